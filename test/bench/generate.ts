/**
 * Deterministic benchmark inputs: N copies of one manuscript, each copy's headings and
 * paragraphs marked with its copy number so that dedupe cannot shrink the big inputs
 * (repeats *within* one copy stay repeats, as in the source).
 *
 * The title block (front matter, the opening `#` and a lone `##` subtitle) is written
 * once, so the copies' section headings are what splits the book: 100 copies of the
 * sample's 11 `###` sections make 1,100 sections.
 */
import fs from 'node:fs'
import path from 'node:path'
import {corpusFiles, root, sample} from '../support/paths.js'

export {root, sample}
export const fallback = path.join(root, 'test/fixtures/example/interview.md')
export const inputsDir = path.join(root, 'out/bench/inputs')

export interface Source {
  file: string
  /** Short name used in generated file names and tables. */
  name: string
  /** Set when the sample was missing and the fixture stands in for it. */
  note?: string
}

/** The sample when present, else the repository's own fixture (and a note saying so). */
export function pickSource(): Source {
  if (fs.existsSync(sample)) return {file: sample, name: 'press-conference'}
  return {
    file: fallback,
    name: 'interview',
    note: `sample not found at ${sample}; using ${path.relative(root, fallback)} instead`
  }
}

/** Every Markdown book of the shared corpus, sorted; empty when the corpus is absent. */
export const corpusBooks = corpusFiles

/** The mark appended to copy `copy`'s headings and paragraphs (copy 1 stays unmarked). */
export function copyMark(copy: number): string {
  return `（第${copy}份）`
}

/** Split `text` into the once-only title block and the body that is repeated. */
export function splitHead(text: string): {head: string; body: string} {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let i = 0
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1)
    if (end > 0) i = end + 1
  }
  const skipBlank = () => {
    while (i < lines.length && lines[i]!.trim() === '') i++
  }
  skipBlank()
  if (/^#\s/.test(lines[i] ?? '')) {
    i++
    skipBlank()
    // A `##` right under the title is its subtitle only when it is the document's one `##`.
    const h2Count = lines.filter((line) => /^##\s/.test(line)).length
    if (/^##\s/.test(lines[i] ?? '') && h2Count === 1) i++
  }
  return {head: lines.slice(0, i).join('\n'), body: lines.slice(i).join('\n')}
}

/**
 * Mark one copy of `body`: every ATX heading and the last line of every paragraph-like
 * block gets `mark` appended. Code fences, tables, raw HTML, thematic breaks and link
 * definitions are left alone (a mark there would change what they are).
 */
export function markBody(body: string, mark: string): string {
  const lines = body.split('\n')
  let fence: string | undefined
  return lines
    .map((line, i) => {
      const fenceOpen = /^\s{0,3}(`{3,}|~{3,})/.exec(line)
      if (fence) {
        if (fenceOpen && fenceOpen[1]!.startsWith(fence)) fence = undefined
        return line
      }
      if (fenceOpen) {
        fence = fenceOpen[1]!
        return line
      }
      if (/^#{1,6}\s/.test(line)) return line.replace(/\s+#+\s*$/, '') + mark
      const next = lines[i + 1] ?? ''
      const endsBlock = line.trim() !== '' && (next.trim() === '' || /^#{1,6}\s/.test(next))
      if (!endsBlock || isLeftAlone(line)) return line
      return line.replace(/\s*$/, '') + mark
    })
    .join('\n')
}

function isLeftAlone(line: string): boolean {
  const trimmed = line.trim()
  return (
    trimmed.startsWith('|') ||
    trimmed.startsWith('<') ||
    /^\[[^\]]+\]:/.test(trimmed) ||
    /^([-*_])(\s*\1){2,}$/.test(trimmed) ||
    /^ {4}|^\t/.test(line)
  )
}

/** `copies` copies of `source`; one copy returns the source unchanged. */
export function generateManuscript(source: string, copies: number): string {
  if (!Number.isInteger(copies) || copies < 1) throw new Error(`copies must be a positive integer, not ${copies}`)
  if (copies === 1) return source
  const {head, body} = splitHead(source)
  const trimmedBody = body.replace(/^\n+/, '').replace(/\s+$/, '')
  const parts = [head.trim(), trimmedBody]
  for (let copy = 2; copy <= copies; copy++) parts.push(markBody(trimmedBody, copyMark(copy)))
  return parts.filter((part) => part !== '').join('\n\n') + '\n'
}

export interface GeneratedInput {
  file: string
  copies: number
  bytes: number
}

/**
 * Write `<name>-x<N>.md` for each multiple into `dir`. A file whose bytes are already
 * right is not rewritten, so its mtime (and any cache keyed on it) survives.
 */
export function writeInputs(source: Source, multiples: number[], dir = inputsDir): GeneratedInput[] {
  fs.mkdirSync(dir, {recursive: true})
  const text = fs.readFileSync(source.file, 'utf8')
  return multiples.map((copies) => {
    const file = path.join(dir, `${source.name}-x${copies}.md`)
    const content = Buffer.from(generateManuscript(text, copies), 'utf8')
    const current = fs.existsSync(file) ? fs.readFileSync(file) : undefined
    if (!current || !current.equals(content)) fs.writeFileSync(file, content)
    return {file, copies, bytes: content.length}
  })
}
