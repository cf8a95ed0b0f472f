/**
 * The real books in ../shared/corpus/docs: every one must build quickly and pass EPUBCheck
 * with 0 errors and 0 warnings. One test, run two EPUBCheck processes at a time.
 */
import fs from 'node:fs'
import {toString} from 'mdast-util-to-string'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {corpusDir, corpusFiles, have} from '../../support/paths.js'
import {brokenCopy, buildFile, chaptersOf, countOccurrences, entryText, epubcheckAll, plainParagraphs, requireEpubcheck, tempDir, visibleText, type Built} from './support.js'

/**
 * Text fidelity on the unzipped EPUB: every third plain paragraph of 20+ characters appears as often as the Book
 * keeps it (so exactly once unless the author repeated it), removed repeats add no copy, and
 * no CJK line wrapped in the source gains a space.
 */
function checkFidelity(manuscript: string, built: Built): void {
  const name = path.basename(manuscript)
  const text = chaptersOf(built)
    .map((doc) => visibleText(entryText(built, doc)))
    .join('\n')
  const book = built.loaded.book
  const all = plainParagraphs(book)
  // What the Book holds as text, block by block: the expected number of copies of any paragraph.
  const keptJoined = [
    ...book.sections.flatMap((section) => [section.title, ...section.nodes.map((node) => toString(node))]),
    ...[...book.footnotes.values()].map((note) => toString(note))
  ]
    .join('\n\n')
    .replace(/(?<!\n)\n(?!\n)/g, ' ') // a single line ending inside a block (code spans) reads as a space
  // Short paragraphs ("目录", "Note:") also stand in headings and lists; long ones are checked.
  const kept = all.filter((p) => [...p].length >= 20)
  expect(kept.length, name).toBeGreaterThan(20)
  for (let i = 0; i < kept.length; i += 3) {
    expect(countOccurrences(text, kept[i]!), `${name}: ${kept[i]!.slice(0, 60)}`).toBe(countOccurrences(keptJoined, kept[i]!))
  }
  for (const removed of built.loaded.removed) {
    const excerpt = removed.text.replace(/…$/, '')
    expect(countOccurrences(text, excerpt), `${name}: removed line ${removed.line}`).toBeLessThanOrEqual(Math.max(1, countOccurrences(keptJoined, excerpt)))
  }
  const lines = fs.readFileSync(manuscript, 'utf8').split('\n')
  for (let i = 0; i + 1 < lines.length; i++) {
    const end = /(\p{Script=Han}{2})$/u.exec(lines[i]!)
    const start = /^(\p{Script=Han}{2})/u.exec(lines[i + 1]!)
    if (end && start) expect(text, `${name}: line ${i + 1}`).not.toContain(`${end[1]} ${start[1]}`)
  }
}

describe.skipIf(!have(corpusDir, 'the shared corpus'))('the shared corpus', () => {
  it('builds every book in seconds and EPUBCheck finds nothing', async () => {
    requireEpubcheck()
    process.env.SOURCE_DATE_EPOCH ??= '1700000000'
    const outDir = tempDir()
    const files: string[] = []
    for (const manuscript of corpusFiles()) {
      const started = performance.now()
      const built = await buildFile(manuscript, {}, outDir)
      const ms = performance.now() - started
      expect(ms, `${path.basename(manuscript)} took ${Math.round(ms)} ms to load and render`).toBeLessThan(15_000)
      expect(chaptersOf(built)).toHaveLength(built.loaded.book.sections.length)
      checkFidelity(manuscript, built)
      files.push(built.file)
    }
    expect(files.length).toBeGreaterThanOrEqual(9)
    const broken = brokenCopy(files[0]!)
    const results = await epubcheckAll([...files, broken])
    expect(results.get(broken)?.errors, 'EPUBCheck must flag a broken copy').toBeGreaterThan(0)
    results.delete(broken)
    const failing = [...results].filter(([, r]) => r.status !== 0 || r.errors !== 0 || r.warnings !== 0 || r.fatals !== 0)
    expect(failing.map(([file, r]) => `${path.basename(file)}: status ${r.status}, ${r.errors} errors, ${r.warnings} warnings\n${r.output}`)).toEqual([])
    expect(results.size).toBe(files.length)
  }, 300_000)
})
