/**
 * Line breaking for CJK and mixed text (W3C clreq), done before pdfmake sees the text.
 *
 * pdfmake breaks by UAX #14 and justifies only by moving words, which leaves Chinese
 * lines ragged and allows closing punctuation at a line start. Here we break greedily
 * with the font's real advance widths, honour the line-start/line-end prohibitions,
 * and give each full line the character spacing that fills the measure exactly.
 * Linear in the paragraph length: prefix sums of advances, one pass.
 */
import {advanceEm, shapedWidthEm, type FontFace} from '../../fonts/index.js'

/** A styled piece of inline text drawn in one face. `S` carries the renderer's style. */
export interface Piece<S> {
  text: string
  face: FontFace
  /** Size the glyphs are drawn at (already scaled for superscripts). */
  fontSize: number
  style: S
  /** A forced line break (Markdown hard break); text is ignored. */
  hardBreak?: boolean
  /** OpenType features to shape with (e.g. `pwid` for proportional quotes beside Latin). */
  features?: string[]
}

export interface LineRun<S> {
  piece: Piece<S>
  text: string
}

export interface BrokenLine<S> {
  runs: LineRun<S>[]
  /** Natural width of the line (shaped as PDFKit shapes it), trailing spaces excluded. */
  width: number
  /** Width the line may take (the measure minus any indent). */
  measure: number
  /** True for the last line of the paragraph and for lines ended by a hard break: they stay ragged. */
  ragged: boolean
  /** Characters that get spacing between them (UTF-16 units, as pdfmake counts) minus one per run. */
  gaps: number
}

/** Characters that may not start a line (clreq "行首禁则" plus Japanese small kana and marks). */
export const NO_LINE_START = new Set(
  '，。、；：！？）」』》〉…‥’”］｝〕〗】〙〛〞・ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ〜～゠﹐﹒﹔﹕﹖﹗﹚﹜﹞｡｣､･!),.:;?]}%％℃°′″'
)
/** Characters that may not end a line (clreq "行尾禁则"). */
export const NO_LINE_END = new Set('（「『《〈［｛〔〖【〘〚〝‘“﹙﹛﹝｢([{')

/** Ideographs, kana, CJK punctuation and fullwidth forms: text with a break chance between any two. */
function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x2e80 && codePoint <= 0x9fff) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7af) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xffef) ||
    (codePoint >= 0x20000 && codePoint <= 0x3ffff) ||
    codePoint === 0x2014 ||
    codePoint === 0x2026 ||
    codePoint === 0x201c ||
    codePoint === 0x201d ||
    codePoint === 0x2018 ||
    codePoint === 0x2019
  )
}

const SPACE = 0x20
const NEWLINE = 0x0a

function charOf(codePoint: number): string {
  return String.fromCodePoint(codePoint)
}

/** May a line break fall between `before` and `after`? */
export function canBreakBetween(before: number, after: number): boolean {
  if (after === SPACE) return false
  if (NO_LINE_START.has(charOf(after)) || NO_LINE_END.has(charOf(before))) return false
  if (before === SPACE) return true
  // Keep doubled dashes and ellipses together (clreq: they are one mark).
  if (before === after && (before === 0x2014 || before === 0x2026)) return false
  if (isWide(before) || isWide(after)) return true
  // Latin: inside URLs, paths and identifiers — after a slash, after a dot or underscore
  // followed by a letter (`example.org`, `file_name`; not `3.14`). Not after hyphens: text
  // extractors (pdftotext, screen readers) take a hyphen at a line end for a soft one and drop it.
  if (before === 0x2f) return after !== 0x2f
  const letterAfter = (after >= 0x41 && after <= 0x5a) || (after >= 0x61 && after <= 0x7a)
  return (before === 0x2e || before === 0x5f) && letterAfter
}

/**
 * A position acceptable when a line must be cut inside an unbreakable stretch: it breaks
 * no prohibition and leaves no hyphen at the line end (it would read as a soft hyphen).
 */
function isSafeCut(before: number, after: number): boolean {
  return after !== SPACE && before !== 0x2d && before !== 0x2010 && !NO_LINE_START.has(charOf(after)) && !NO_LINE_END.has(charOf(before))
}

export interface BreakOptions {
  /** Width of a full line, in points. */
  measure: number
  /** Extra indent of the first line, in points. */
  firstLineIndent?: number
  /**
   * Most slack (points) a justified line may be left with by pushing a long unbreakable
   * word (inline code, a URL) to the next line; past it the word is cut where the rules
   * allow, as CSS `overflow-wrap: anywhere` would. Unlimited by default.
   */
  maxSlack?: number
}

/** Break pieces into lines. Lines are returned in order; the last one is ragged. */
export function breakLines<S>(pieces: Piece<S>[], options: BreakOptions): BrokenLine<S>[] {
  // Flatten to code points with their advance, piece and offset inside the piece.
  const codePoints: number[] = []
  const pieceOf: number[] = []
  const offsetOf: number[] = []
  const advances: number[] = []
  pieces.forEach((piece, index) => {
    if (piece.hardBreak) {
      codePoints.push(NEWLINE)
      pieceOf.push(index)
      offsetOf.push(0)
      advances.push(0)
      return
    }
    const {text} = piece
    for (let offset = 0; offset < text.length; ) {
      const codePoint = text.codePointAt(offset)!
      codePoints.push(codePoint)
      pieceOf.push(index)
      offsetOf.push(offset)
      advances.push(advanceEm(piece.face, codePoint) * piece.fontSize)
      offset += codePoint > 0xffff ? 2 : 1
    }
  })
  const count = codePoints.length
  const prefix = new Float64Array(count + 1)
  for (let i = 0; i < count; i++) prefix[i + 1] = prefix[i]! + advances[i]!

  const lines: BrokenLine<S>[] = []
  const indent = options.firstLineIndent ?? 0
  const emit = (start: number, end: number, ragged: boolean) => {
    let trimmed = end
    while (trimmed > start && codePoints[trimmed - 1] === SPACE) trimmed--
    const measure = options.measure - (lines.length === 0 ? indent : 0)
    lines.push(lineFrom(pieces, pieceOf, offsetOf, codePoints, start, trimmed, measure, ragged))
  }

  // A break after spaces is governed by the character before the spaces.
  const chanceAt = (j: number): boolean => {
    let before = j - 1
    while (before > 0 && codePoints[before] === SPACE) before--
    if (codePoints[j - 1] === NEWLINE || !canBreakBetween(codePoints[j - 1]!, codePoints[j]!)) return false
    if (before === j - 1) return true
    // A dash before the spaces stays with what follows: at a line end it reads as a soft hyphen.
    const last = codePoints[before]!
    return !NO_LINE_END.has(charOf(last)) && last !== 0x2d
  }
  const maxSlack = options.maxSlack ?? Infinity

  let lineStart = 0
  let lastChance = -1
  for (let i = 0; i < count; i++) {
    const codePoint = codePoints[i]!
    if (codePoint === NEWLINE) {
      emit(lineStart, i, true)
      lineStart = i + 1
      lastChance = -1
      continue
    }
    if (i > lineStart && chanceAt(i)) lastChance = i
    const measure = options.measure - (lines.length === 0 ? indent : 0)
    if (codePoint === SPACE || i === lineStart || prefix[i + 1]! - prefix[lineStart]! <= measure + 0.01) continue
    let cut = lastChance > lineStart ? lastChance : -1
    // Pushing the word down would leave a gaping line: cut the word instead.
    if (cut > 0 && measure - (prefix[cut]! - prefix[lineStart]!) > maxSlack) cut = -1
    if (cut < 0) {
      // No break chance on this line (a long word or URL): cut as late as the rules allow.
      cut = i
      while (cut > lineStart + 1 && !isSafeCut(codePoints[cut - 1]!, codePoints[cut]!)) cut--
      if (cut === lineStart + 1 && !isSafeCut(codePoints[cut - 1]!, codePoints[cut]!)) cut = i
    }
    emit(lineStart, cut, false)
    lineStart = cut
    while (lineStart < count && codePoints[lineStart] === SPACE) lineStart++
    lastChance = -1
    // Re-scan break chances between the new line start and i (a few characters at most).
    for (let j = lineStart + 1; j <= i; j++) if (chanceAt(j)) lastChance = j
    i = Math.max(i, lineStart - 1)
  }
  if (lineStart < count || lines.length === 0) emit(lineStart, count, true)
  else lines[lines.length - 1]!.ragged = true
  return lines
}

function lineFrom<S>(
  pieces: Piece<S>[],
  pieceOf: number[],
  offsetOf: number[],
  codePoints: number[],
  start: number,
  end: number,
  measure: number,
  ragged: boolean
): BrokenLine<S> {
  const runs: LineRun<S>[] = []
  let i = start
  while (i < end) {
    const index = pieceOf[i]!
    let j = i
    while (j < end && pieceOf[j] === index) j++
    const piece = pieces[index]!
    if (!piece.hardBreak) {
      const from = offsetOf[i]!
      const to = j < end && pieceOf[j] === index ? offsetOf[j]! : lastOffsetEnd(piece.text, offsetOf[j - 1]!, codePoints[j - 1]!)
      runs.push({piece, text: piece.text.slice(from, to)})
    }
    i = j
  }
  let width = 0
  let units = 0
  for (const run of runs) {
    width += shapedWidthEm(run.piece.face, run.text, run.piece.features) * run.piece.fontSize
    units += run.text.length
  }
  return {runs, width, measure, ragged, gaps: Math.max(0, units - runs.length)}
}

function lastOffsetEnd(text: string, offset: number, codePoint: number): number {
  return Math.min(text.length, offset + (codePoint > 0xffff ? 2 : 1))
}

/**
 * Character spacing that makes a full line exactly fill its measure. pdfmake counts
 * `characterSpacing × (length − 1)` per inline, so the gaps are the line's UTF-16 units
 * minus one per run. Ragged lines and lines that would need absurd spacing get none.
 */
export function justifySpacing(line: BrokenLine<unknown>): number {
  if (line.ragged || line.gaps === 0) return 0
  const spacing = (line.measure - line.width) / line.gaps
  // A line holding one long unbreakable word would be spaced out beyond reading: leave it.
  const fontSize = line.runs[0]?.piece.fontSize ?? 10
  return spacing > fontSize * 0.5 || spacing < -fontSize * 0.1 ? 0 : spacing
}

/**
 * Extra width per space for Latin-dominated lines, where slack belongs between words
 * rather than between letters; undefined when the line should be letter-spaced instead.
 */
export function wordSpacing(line: BrokenLine<unknown>): number | undefined {
  if (line.ragged) return undefined
  let spaces = 0
  let wide = 0
  let total = 0
  for (const run of line.runs) {
    for (const char of run.text) {
      const codePoint = char.codePointAt(0)!
      total++
      if (codePoint === SPACE) spaces++
      else if (isWide(codePoint)) wide++
    }
  }
  if (spaces === 0 || wide > total * 0.3) return undefined
  return (line.measure - line.width) / spaces
}
