/** Helpers for the EPUB tests: build a real .epub, open it, extract text, run EPUBCheck. */
import {execFile, execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {strFromU8, strToU8, unzipSync, zipSync, type Zippable} from 'fflate'
import {fileURLToPath} from 'node:url'
import {loadManuscript, loadText, type Loaded} from '../../../src/load.js'
import type {PartialOptions} from '../../../src/config.js'
import {renderEpub} from '../../../src/render/epub/index.js'
import type {Warning} from '../../../src/report.js'

export const EPUBCHECK = '/usr/share/java/epubcheck.jar'

export interface Built {
  file: string
  loaded: Loaded
  warnings: Omit<Warning, 'stage'>[]
  bytes: Uint8Array
  entries: Record<string, Uint8Array>
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-epub-'))
}

async function render(loaded: Loaded, outDir: string, name: string): Promise<Built> {
  const warnings: Omit<Warning, 'stage'>[] = []
  const result = await renderEpub({book: loaded.book, options: loaded.options, outDir, name, warn: (w) => warnings.push(w), progress: () => {}})
  const file = result.epub!
  const bytes = new Uint8Array(fs.readFileSync(file))
  return {file, loaded, warnings, bytes, entries: unzipSync(bytes)}
}

export function buildFile(manuscript: string, options: PartialOptions = {}, outDir = tempDir()): Promise<Built> {
  return render(loadManuscript(manuscript, {options}), outDir, path.basename(manuscript, '.md'))
}

export function buildText(markdown: string, options: PartialOptions = {}, file = path.join(tempDir(), 'book.md')): Promise<Built> {
  return render(loadText(markdown, file, {options}), path.dirname(file), path.basename(file, '.md'))
}

export function entryText(built: Built, name: string): string {
  const data = built.entries[name]
  if (!data) throw new Error(`no ${name} in the EPUB; it has ${Object.keys(built.entries).join(', ')}`)
  return strFromU8(data)
}

/** Chapter documents in spine order, read from the OPF (not from our own bookkeeping). */
export function spineDocuments(built: Built): string[] {
  const opf = entryText(built, 'OEBPS/content.opf')
  const hrefs = new Map([...opf.matchAll(/<item id="([^"]+)" href="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]))
  return [...opf.matchAll(/<itemref idref="([^"]+)"/g)].map((m) => `OEBPS/${hrefs.get(m[1]!)}`)
}

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

/** Visible text of an XHTML document: tags dropped, entities decoded, no separators added inside paragraphs. */
export function visibleText(xhtml: string): string {
  const body = xhtml.replace(/^[\s\S]*?<body[^>]*>/, '').replace(/<\/body>[\s\S]*$/, '')
  return body
    .replace(/<svg[\s\S]*?<\/svg>/g, '')
    .replace(/<(p|h[1-6]|li|td|th|pre|div|blockquote|aside|section|br)\b[^>]*>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16))
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)))
      return ENTITIES[name] ?? whole
    })
}

/** The section documents (s01.xhtml…) in reading order. */
export function chaptersOf(built: Built): string[] {
  return spineDocuments(built).filter((name) => /\/s\d+\.xhtml$/.test(name))
}

/** All chapter text of the book, in reading order. */
export function bookText(built: Built): string {
  return spineDocuments(built)
    .map((name) => visibleText(entryText(built, name)))
    .join('\n')
}

export function countOccurrences(haystack: string, needle: string): number {
  let count = 0
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++
  return count
}

export interface CheckResult {
  status: number
  errors: number
  warnings: number
  fatals: number
  output: string
}

/** Fails loudly (naming the Debian packages) when Java or EPUBCheck is missing. */
export function requireEpubcheck(): void {
  try {
    execFileSync('java', ['-version'], {stdio: 'pipe'})
  } catch {
    throw new Error('java not found: install the Debian package default-jre-headless (and epubcheck)')
  }
  if (!fs.existsSync(EPUBCHECK)) throw new Error(`${EPUBCHECK} not found: install the Debian package epubcheck`)
}

/** Run EPUBCheck on one file; the JVM flags halve start-up time for these short runs. */
export function epubcheck(file: string): Promise<CheckResult> {
  return new Promise((resolve) => {
    execFile(
      'java',
      ['-Xss512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', EPUBCHECK, file],
      {maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`
        const counts = /Messages:\s*(\d+) fatals?\s*\/\s*(\d+) errors?\s*\/\s*(\d+) warnings?/.exec(output)
        resolve({
          status: error ? Number((error as {code?: number}).code ?? 1) : 0,
          fatals: counts ? Number(counts[1]) : -1,
          errors: counts ? Number(counts[2]) : -1,
          warnings: counts ? Number(counts[3]) : -1,
          output: output.split('\n').filter((line) => /^(ERROR|WARNING|FATAL)/.test(line)).slice(0, 20).join('\n') || output.slice(-2000)
        })
      }
    )
  })
}

const BATCH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'EpubcheckBatch.java')

/**
 * Check many files in one JVM with EpubcheckBatch.java (needs a JDK to run a source file).
 * Returns undefined when the JVM cannot run it (a JRE without the compiler), so the caller
 * falls back to one EPUBCheck process per file.
 */
function epubcheckBatch(files: string[], quick: boolean): Promise<Map<string, CheckResult> | undefined> {
  // Small books: the C1 compiler alone starts faster; big ones profit from the full JIT.
  const jit = quick ? ['-XX:TieredStopAtLevel=1'] : []
  return new Promise((resolve) => {
    execFile(
      'java',
      ['-Xss512m', '-XX:+UseSerialGC', ...jit, '-cp', EPUBCHECK, BATCH, ...files],
      {maxBuffer: 256 * 1024 * 1024},
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`
        const results = new Map<string, CheckResult>()
        for (const block of output.split(/^BEGIN /m).slice(1)) {
          const file = block.slice(0, block.indexOf('\n'))
          const end = new RegExp(`^END .* (\\d+)$`, 'm').exec(block)
          const lines = block.split('\n')
          const count = (kind: string) => lines.filter((line) => line.startsWith(`${kind}(`)).length
          results.set(file, {
            status: end ? Number(end[1]) : -1,
            fatals: count('FATAL'),
            errors: count('ERROR'),
            warnings: count('WARNING'),
            output: lines.filter((line) => /^(ERROR|WARNING|FATAL)/.test(line)).slice(0, 20).join('\n')
          })
        }
        if (results.size === 0 && error) resolve(undefined)
        else resolve(results)
      }
    )
  })
}

/**
 * Check several files in as few JVMs as pays: one for a few small books, two (one per core,
 * each validating half the files) when there is a lot to check.
 */
export async function epubcheckAll(files: string[]): Promise<Map<string, CheckResult>> {
  const bytes = files.reduce((total, file) => total + fs.statSync(file).size, 0)
  const quick = bytes < 3_000_000
  const groups = quick ? [files] : [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)].filter((h) => h.length > 0)
  const batches = await Promise.all(groups.map((group) => epubcheckBatch(group, quick)))
  if (batches.every((b) => b !== undefined)) return new Map(batches.flatMap((b) => [...b!]))
  const results = new Map<string, CheckResult>()
  const queue = [...files]
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) results.set(file, await epubcheck(file))
  }
  await Promise.all([worker(), worker()])
  return results
}

/** A copy of `epub` with a broken package and an invalid element: EPUBCheck must object to it. */
export function brokenCopy(epub: string): string {
  const entries = unzipSync(new Uint8Array(fs.readFileSync(epub)))
  const opf = strFromU8(entries['OEBPS/content.opf']!).replace(/<dc:language>[^<]*<\/dc:language>/, '')
  entries['OEBPS/content.opf'] = strToU8(opf)
  const files: Zippable = {mimetype: [entries.mimetype!, {level: 0}]}
  for (const [name, data] of Object.entries(entries)) if (name !== 'mimetype') files[name] = data
  const target = path.join(tempDir(), 'broken.epub')
  fs.writeFileSync(target, zipSync(files))
  return target
}

const PLAIN = new Set(['text', 'emphasis', 'strong', 'delete', 'inlineCode', 'link'])

/**
 * Texts of the Book's paragraphs whose visible text is exactly mdast's string value (no images,
 * raw HTML, line breaks or footnote marks, which render as something other than their source).
 */
export function plainParagraphs(book: Loaded['book']): string[] {
  const found: string[] = []
  const plain = (node: {type: string; children?: unknown[]}): boolean =>
    PLAIN.has(node.type) && ((node.children ?? []) as {type: string}[]).every(plain)
  const walk = (node: {type: string; children?: unknown[]}) => {
    if (node.type === 'paragraph') {
      if (((node.children ?? []) as {type: string}[]).every(plain)) found.push(mdastText(node))
    } else for (const child of (node.children ?? []) as {type: string}[]) walk(child)
  }
  for (const section of book.sections) for (const node of section.nodes) walk(node as {type: string})
  return found.filter((text) => text.trim() !== '')
}

function mdastText(node: {type: string; value?: string; children?: unknown[]}): string {
  // A line ending inside a code span is a space (CommonMark), as the XHTML shows it.
  if (node.type === 'inlineCode') return node.value!.replace(/\r?\n/g, ' ')
  if (typeof node.value === 'string') return node.value
  return ((node.children ?? []) as {type: string}[]).map(mdastText).join('')
}
