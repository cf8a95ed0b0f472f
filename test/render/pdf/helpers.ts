/**
 * Test helpers for the PDF edition: poppler/qpdf wrappers and the justification
 * measurement taken from the PDF itself (`pdftotext -bbox-layout`).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {NO_LINE_END, NO_LINE_START} from '../../../src/render/pdf/linebreak.js'

const PACKAGES: Record<string, string> = {
  pdftotext: 'poppler-utils',
  pdffonts: 'poppler-utils',
  pdftoppm: 'poppler-utils',
  pdfinfo: 'poppler-utils',
  qpdf: 'qpdf'
}

/** Fail (not skip) with the apt package to install when a tool is missing. */
export function requireTool(tool: string): void {
  const probe = spawnSync(tool, ['-v'], {encoding: 'utf8'})
  if (probe.error) throw new Error(`'${tool}' is not installed: apt-get install ${PACKAGES[tool] ?? tool}`)
}

export function run(tool: string, args: string[]): string {
  requireTool(tool)
  return execFileSync(tool, args, {encoding: 'utf8', maxBuffer: 512 * 1024 * 1024})
}

/** Text of the PDF (or of a page range). */
export function pdfText(file: string, pages?: {first: number; last: number}): string {
  const range = pages ? ['-f', String(pages.first), '-l', String(pages.last)] : []
  return run('pdftotext', [...range, '-enc', 'UTF-8', file, '-'])
}

/**
 * The PDF's running text: page by page without the running header (a title on the first
 * line) and the page number (last line), so a paragraph split across pages reads as one.
 */
export function runningText(file: string, titles: string[]): string {
  const squash = (text: string) => text.replace(/\s+/g, '')
  const squashed = titles.map(squash).filter(Boolean)
  return pdfText(file)
    .split('\f')
    .map((page) => {
      const lines = page.split('\n').filter((l) => l.trim())
      if (lines.length > 1 && /^\d+$/.test(lines.at(-1)!.trim())) lines.pop()
      const first = squash(lines[0] ?? '').replace(/…$/, '')
      if (lines.length > 1 && first && squashed.some((t) => t.startsWith(first))) lines.shift()
      return lines.join('\n')
    })
    .join('\n')
}

export interface FontRow {
  name: string
  type: string
  embedded: boolean
  subset: boolean
}

export function pdfFonts(file: string): FontRow[] {
  const lines = run('pdffonts', [file]).split('\n').slice(2).filter((l) => l.trim())
  return lines.map((line) => {
    // Columns: name, type (may contain spaces), encoding, emb, sub, uni, object ID.
    const match = /^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(line)
    if (!match) throw new Error(`unexpected pdffonts line: ${line}`)
    return {name: match[1]!, type: match[2]!, embedded: match[4] === 'yes', subset: match[5] === 'yes'}
  })
}

export interface BoxLine {
  page: number
  xMin: number
  yMin: number
  xMax: number
  yMax: number
  text: string
}

/** Lines with their boxes, page by page, from `pdftotext -bbox-layout`. */
export function bboxLines(file: string, pages?: {first: number; last: number}): BoxLine[] {
  const range = pages ? ['-f', String(pages.first), '-l', String(pages.last)] : []
  const xml = run('pdftotext', [...range, '-bbox-layout', file, '-'])
  const lines: BoxLine[] = []
  let page = (pages?.first ?? 1) - 1
  const pattern = /<page\b|<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g
  for (const match of xml.matchAll(pattern)) {
    if (match[0] === '<page') {
      page++
      continue
    }
    const words = [...match[5]!.matchAll(/<word[^>]*>([\s\S]*?)<\/word>/g)].map((w) => decodeXml(w[1]!))
    lines.push({page, xMin: +match[1]!, yMin: +match[2]!, xMax: +match[3]!, yMax: +match[4]!, text: words.join(' ')})
  }
  return mergeSplitLines(lines)
}

/**
 * Poppler's layout analysis splits a line whose word gaps are wide (a justified Latin line)
 * into several "columns". Glue pieces that share a baseline on a page back into one line.
 */
function mergeSplitLines(lines: BoxLine[]): BoxLine[] {
  const sorted = [...lines].sort((a, b) => a.page - b.page || a.yMax - b.yMax || a.xMin - b.xMin)
  const merged: BoxLine[] = []
  let group: BoxLine[] = []
  const flush = () => {
    if (group.length === 0) return
    group.sort((a, b) => a.xMin - b.xMin)
    merged.push({
      page: group[0]!.page,
      xMin: Math.min(...group.map((l) => l.xMin)),
      yMin: Math.min(...group.map((l) => l.yMin)),
      xMax: Math.max(...group.map((l) => l.xMax)),
      yMax: Math.max(...group.map((l) => l.yMax)),
      text: group.map((l) => l.text).join(' ')
    })
    group = []
  }
  for (const line of sorted) {
    const last = group.at(-1)
    if (last && (line.page !== last.page || Math.abs(line.yMax - last.yMax) > 1.2)) flush()
    group.push(line)
  }
  flush()
  return merged.sort((a, b) => a.page - b.page || a.yMin - b.yMin || a.xMin - b.xMin)
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}

/** A line opening a list item: a new paragraph even at the same left edge. */
const LIST_MARKER = /^(•|■|□|\d+\.)\s/

export interface JustificationScore {
  /** Body lines that are not the last line of their paragraph. */
  eligible: number
  /** Of those, lines ending at the right margin (± tolerance). */
  aligned: number
  ratio: number
  /** A few failing lines, for the assertion message. */
  ragged: BoxLine[]
  /** Lines that start with closing or end with opening punctuation. */
  violations: BoxLine[]
}

/**
 * Measure justification on body pages. A body line is one of the body's height (the most
 * common line height). It must end at `right` when the next line on the page follows it
 * directly (one leading below) and continues its paragraph: it starts at the same left
 * edge (and this line is not itself an indented first line), or this line is an indented
 * first line and the next starts one indent to its left. A next line that starts indented
 * or further left (a list marker) begins a new paragraph. Only body lines are checked for
 * the line-start/line-end punctuation rules (code keeps its own line breaks).
 */
export function justificationScore(
  file: string,
  options: {left: number; right: number; leading: number; firstLineIndents: number[]; fromPage?: number; tolerance?: number; fontSize?: number}
): JustificationScore {
  const tolerance = options.tolerance ?? 1.5
  const all = bboxLines(file).filter((l) => l.page >= (options.fromPage ?? 1))
  const heights = new Map<string, number>()
  // The body's line height: the most common one among lines of about the body size
  // (code-heavy books have more code lines than text lines).
  const fontSize = options.fontSize ?? 10.5
  for (const line of all) {
    const height = line.yMax - line.yMin
    if (height < fontSize * 1.25 || height > fontSize * 1.6) continue
    const key = height.toFixed(1)
    heights.set(key, (heights.get(key) ?? 0) + 1)
  }
  const bodyHeight = Number([...heights.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0)
  const isBody = (line: BoxLine) => Math.abs(line.yMax - line.yMin - bodyHeight) < 0.3
  const near = (a: number, b: number) => Math.abs(a - b) <= tolerance
  let eligible = 0
  let aligned = 0
  const ragged: BoxLine[] = []
  const violations: BoxLine[] = []
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!
    if (!isBody(line)) continue
    const next = all.find((l, j) => j > i && l.page === line.page && isBody(l) && near(l.yMin - line.yMin, options.leading) && l.xMin < line.xMax && l.xMax > line.xMin)
    if (!next) continue
    // Two lines both starting at the first-line indent are two paragraphs, not one.
    const startsIndented = options.firstLineIndents.some((indent) => near(line.xMin, options.left + indent))
    const continues =
      (near(next.xMin, line.xMin) && !startsIndented) || options.firstLineIndents.some((indent) => near(next.xMin, line.xMin - indent))
    if (!continues || LIST_MARKER.test(next.text)) continue
    // The break between these two lines is ours: check the punctuation rules on both sides.
    const end = [...line.text.trim()].at(-1)
    const start = [...next.text.trim()][0]
    if ((end && NO_LINE_END.has(end)) || (start && NO_LINE_START.has(start))) violations.push(line, next)
    eligible++
    if (near(line.xMax, options.right)) aligned++
    else if (ragged.length < 10) ragged.push(line)
  }
  return {eligible, aligned, ratio: eligible === 0 ? 0 : aligned / eligible, ragged, violations}
}

/** Number of top-level outline entries and their titles, read with qpdf's JSON. */
export function outlineTitles(file: string): string[] {
  const json = JSON.parse(run('qpdf', ['--json', '--json-key=outlines', file])) as {outlines: {title: string}[]}
  return json.outlines.map((o) => o.title)
}
