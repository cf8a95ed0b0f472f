/**
 * A peer's test suite as input: every example of the CommonMark spec (commonmark-spec, 652
 * examples) and the GFM extensions (test/fixtures/hostile/gfm.md). Each example is loaded on
 * its own (load → parse → dedupe → Book, as `build` does); the Books are then joined, one or
 * more sections per example, into four books, so four EPUBs go through EPUBCheck in two JVMs
 * and four PDFs through `qpdf --check`. Each example must give editions without errors, and a
 * speech script without raw Markdown syntax, or a deliberate ImprintError (exit 2).
 */
import path from 'node:path'
import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import type {Section} from '../../src/book/types.js'
import {ImprintError} from '../../src/errors.js'
import {loadManuscript, loadText, type Loaded} from '../../src/load.js'
import {fixtures} from '../support/paths.js'
import {epubcheckAll, requireEpubcheck} from '../render/epub/support.js'
import {qpdfCheck, renderBoth, scriptProblems, tempDir} from './support.js'

const {tests} = createRequire(import.meta.url)('commonmark-spec') as {tests: {markdown: string; number: number; section: string}[]}
const BOOKS = 4

interface Outcome {
  number: number
  loaded?: Loaded
  error?: string
}

/** One Book made of the sections of many, re-numbered so ids and slugs stay unique. */
function joinBooks(parts: {number: number; loaded: Loaded}[], title: string): Pick<Loaded, 'book' | 'options'> {
  const base = loadText(`# ${title}\n\nCommonMark examples.\n`, path.join(tempDir(), 'joined.md'))
  const sections: Section[] = []
  for (const {number, loaded} of parts) {
    for (const section of loaded.book.sections) {
      const index = sections.length + 1
      sections.push({...section, id: `s${String(index).padStart(4, '0')}`, index, slug: `ex${number}-${section.slug}`})
    }
    for (const [key, note] of loaded.book.footnotes) base.book.footnotes.set(key, note)
  }
  return {book: {...base.book, sections}, options: base.options}
}

describe('the CommonMark spec examples', () => {
  it('each gives valid editions and a clean speech script, or a deliberate error', async () => {
    requireEpubcheck()
    process.env.SOURCE_DATE_EPOCH ??= '1700000000'
    expect(tests.length).toBeGreaterThanOrEqual(650)
    const dir = tempDir()
    const outcomes: Outcome[] = tests.map(({markdown, number}) => {
      try {
        return {number, loaded: loadText(markdown.replace(/→/g, '\t'), path.join(dir, `ex${number}.md`))}
      } catch (error) {
        if (!(error instanceof ImprintError)) throw new Error(`example ${number}: ${String(error)}`)
        return {number, error: error.message}
      }
    })
    // The only deliberate refusals: examples that are nothing but white space, and ones that open
    // with `---` lines, which imprint reads as front matter that is not a map of keys (exit 2).
    const refused = outcomes.filter((o) => o.error)
    for (const o of refused) {
      const markdown = tests[o.number - 1]!.markdown
      const why = markdown.trim() === '' ? /empty/ : markdown.startsWith('---\n') ? /:\d+: YAML must be a map/ : /^$/
      expect(o.error, `example ${o.number}`).toMatch(why)
    }
    expect(refused.length).toBeLessThan(5)

    const loadedOnes = outcomes.filter((o): o is Outcome & {loaded: Loaded} => o.loaded !== undefined)
    const problems = loadedOnes.flatMap((o) => scriptProblems(o.loaded.book).map((p) => `example ${o.number}: ${p}`))
    expect(problems).toEqual([])

    const size = Math.ceil(loadedOnes.length / BOOKS)
    const built: {epub: string; pdf: string; first: number}[] = []
    for (let i = 0; i < loadedOnes.length; i += size) {
      const part = loadedOnes.slice(i, i + size)
      const joined = joinBooks(part, `Examples ${part[0]!.number}–${part.at(-1)!.number}`)
      const {epub, pdf} = await renderBoth(joined, dir, `spec-${i / size + 1}`)
      built.push({epub, pdf, first: part[0]!.number})
    }
    expect(built).toHaveLength(BOOKS)
    for (const {pdf, first} of built) expect(qpdfCheck(pdf), `PDF from example ${first}`).toContain('No syntax or stream encoding errors')
    const results = await epubcheckAll(built.map((b) => b.epub))
    // 0 errors is the bar; warnings (RSC-023 for an odd but legal link such as `https://../`) are allowed.
    const failing = [...results].filter(([, r]) => r.errors !== 0 || r.fatals !== 0)
    expect(failing.map(([file, r]) => `${path.basename(file)}: ${r.errors} errors\n${r.output}`)).toEqual([])
    expect(results.size).toBe(BOOKS)
  }, 120_000)
})

describe('the GFM extensions', () => {
  it('tables, task lists, strikethrough, autolinks, footnotes and the tag filter give valid editions', async () => {
    requireEpubcheck()
    const loaded = loadManuscript(path.join(fixtures, 'hostile/gfm.md'))
    expect(loaded.book.sections.length).toBeGreaterThanOrEqual(6)
    expect(scriptProblems(loaded.book)).toEqual([])
    const {epub, pdf} = await renderBoth(loaded, tempDir(), 'gfm')
    expect(qpdfCheck(pdf)).toContain('No syntax or stream encoding errors')
    const [result] = [...(await epubcheckAll([epub])).values()]
    expect(result!.errors, result!.output).toBe(0)
    expect(result!.fatals).toBe(0)
  }, 60_000)
})
