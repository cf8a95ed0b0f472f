/**
 * Fonts shared by the PDF and EPUB editions: which faces exist, which characters each
 * covers, and how text is split into runs over a fallback chain so no character is
 * drawn as tofu.
 *
 * Bundled faces live in the repository's `fonts/` folder (OFL, TrueType `glyf` builds).
 * Users add faces by dropping TTF/OTF files into `fonts/` or naming them in
 * `options.pdf.fonts`; those come after the bundled faces in every chain.
 *
 * API: `bundledFaces()` and `userFaces()` list faces (file, role, weight, licence);
 * `fallbackChain(faces, role, weight)` orders them; `coverage(face, char)` answers one
 * character; `splitRuns(text, chain)` cuts text into runs per face; `charactersByFace()`
 * and `subsetFace()` give what an embedder (EPUB `--embed-fonts`) needs.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as fontkit from 'fontkit'

export type FaceRole = 'serif' | 'sans' | 'mono' | 'user'
export type FaceWeight = 'regular' | 'bold'

export interface FontFace {
  /** Short unique key, usable as a pdfmake font family name or a CSS font-family. */
  key: string
  /** Family name as the font names itself (or as bundled). */
  family: string
  role: FaceRole
  weight: FaceWeight
  /** Absolute path of the font file. */
  file: string
  /** Licence file beside it, for bundled faces. */
  license?: string
  bundled: boolean
}

/** The repository's `fonts/` folder. */
export const FONTS_DIR = path.resolve(import.meta.dirname, '../../fonts')

/** What ships in `fonts/`: file name → role and weight. Body serif first: it heads the default chain. */
const BUNDLED: {file: string; family: string; role: FaceRole; weight: FaceWeight; license: string}[] = [
  {file: 'NotoSerifSC-Regular.ttf', family: 'Noto Serif SC', role: 'serif', weight: 'regular', license: 'OFL-NotoSerifSC.txt'},
  {file: 'NotoSerifSC-Bold.ttf', family: 'Noto Serif SC', role: 'serif', weight: 'bold', license: 'OFL-NotoSerifSC.txt'},
  {file: 'NotoSansSC-Regular.ttf', family: 'Noto Sans SC', role: 'sans', weight: 'regular', license: 'OFL-NotoSansSC.txt'},
  {file: 'NotoSansSC-Bold.ttf', family: 'Noto Sans SC', role: 'sans', weight: 'bold', license: 'OFL-NotoSansSC.txt'},
  {file: 'SourceCodePro-Regular.ttf', family: 'Source Code Pro', role: 'mono', weight: 'regular', license: 'OFL-SourceCodePro.txt'}
]

const FONT_FILE = /\.(ttf|otf)$/i

/** Bundled faces present in `dir` (a missing file is simply absent from the list). */
export function bundledFaces(dir = FONTS_DIR): FontFace[] {
  return BUNDLED.filter((b) => fs.existsSync(path.join(dir, b.file))).map((b) => ({
    key: `${b.role}-${b.weight}`,
    family: b.family,
    role: b.role,
    weight: b.weight,
    file: path.join(dir, b.file),
    license: path.join(dir, b.license),
    bundled: true
  }))
}

export interface FaceProblem {
  file: string
  message: string
}

/**
 * User faces: extra TTF/OTF files in `dir` plus `files` (relative to `baseDir`), in that order.
 * A file that cannot be read or parsed is reported, not thrown.
 */
export function userFaces(files: string[], baseDir: string, dir = FONTS_DIR): {faces: FontFace[]; problems: FaceProblem[]} {
  const bundledNames = new Set(BUNDLED.map((b) => b.file))
  const inFolder = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((name) => FONT_FILE.test(name) && !bundledNames.has(name))
        .sort()
        .map((name) => path.join(dir, name))
    : []
  const named = files.map((file) => path.resolve(baseDir, file))
  const faces: FontFace[] = []
  const problems: FaceProblem[] = []
  const seen = new Set<string>()
  for (const file of [...inFolder, ...named]) {
    if (seen.has(file)) continue
    seen.add(file)
    if (!FONT_FILE.test(file)) {
      problems.push({file, message: 'not a TrueType/OpenType font file (.ttf, .otf)'})
      continue
    }
    try {
      const font = openFont(file)
      faces.push({
        key: `user-${faces.length + 1}`,
        family: font.familyName,
        role: 'user',
        weight: /bold|black|heavy/i.test(font.subfamilyName) ? 'bold' : 'regular',
        file,
        bundled: false
      })
    } catch (error) {
      problems.push({file, message: `cannot read font: ${(error as Error).message}`})
    }
  }
  return {faces, problems}
}

const openFonts = new Map<string, fontkit.Font>()

/** The parsed font of a file (cached for the process: the bundled files are large). */
export function openFont(file: string): fontkit.Font {
  let font = openFonts.get(file)
  if (!font) {
    font = fontkit.openSync(file)
    if (typeof font.hasGlyphForCodePoint !== 'function') throw new Error('font collections are not supported')
    openFonts.set(file, font)
  }
  return font
}

/** True when the face has a glyph for the character (first code point of `char`, or a code point). */
export function coverage(face: FontFace, char: string | number): boolean {
  const codePoint = typeof char === 'number' ? char : char.codePointAt(0)
  if (codePoint === undefined) return false
  return openFont(face.file).hasGlyphForCodePoint(codePoint)
}

/**
 * Characters that are never drawn: joiners, variation selectors, BOM, soft hyphen, controls.
 * A font lacking them is not a missing glyph.
 */
export function isIgnorable(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint < 0xa0) ||
    codePoint === 0xad ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0x2060 && codePoint <= 0x2064) ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
    codePoint === 0xfeff ||
    (codePoint >= 0xe0100 && codePoint <= 0xe01ef)
  )
}

/**
 * An ordered list of faces to try. The primary face first, then the other bundled faces
 * (same weight before the other weight), then user faces.
 */
export class FallbackChain {
  readonly faces: FontFace[]
  private readonly choice = new Map<number, FontFace | null>()

  constructor(faces: FontFace[]) {
    if (faces.length === 0) throw new Error('a fallback chain needs at least one face')
    this.faces = faces
  }

  get primary(): FontFace {
    return this.faces[0]!
  }

  /** The first face covering the code point, or null when none does. */
  faceFor(codePoint: number): FontFace | null {
    let face = this.choice.get(codePoint)
    if (face === undefined) {
      face = this.faces.find((f) => coverage(f, codePoint)) ?? null
      this.choice.set(codePoint, face)
    }
    return face
  }
}

/** Build the chain for a role and weight from all known faces. */
export function fallbackChain(faces: FontFace[], role: Exclude<FaceRole, 'user'>, weight: FaceWeight): FallbackChain {
  const rank = (face: FontFace): number => {
    if (face.role === 'user') return 100 + (face.weight === weight ? 0 : 1)
    const roleOrder: Record<string, FaceRole[]> = {
      serif: ['serif', 'sans', 'mono'],
      sans: ['sans', 'serif', 'mono'],
      // Latin code face first, then the CJK sans whose strokes sit best beside it.
      mono: ['mono', 'sans', 'serif']
    }
    const byRole = roleOrder[role]!.indexOf(face.role)
    // For mono, the weight matters less than the role: a regular mono beats a bold sans.
    return role === 'mono' ? byRole * 2 + (face.weight === weight ? 0 : 1) : (face.weight === weight ? 0 : 10) + byRole
  }
  const ordered = faces
    .map((face, index) => ({face, index}))
    .sort((a, b) => rank(a.face) - rank(b.face) || a.index - b.index)
    .map((x) => x.face)
  return new FallbackChain(ordered)
}

export interface TextRun {
  text: string
  /** The face drawing this run; null for characters no face in the chain covers. */
  face: FontFace | null
}

/**
 * Split text into runs by glyph coverage. Spaces stay in a primary-face run and invisible
 * characters in the current run when its face covers them (fewer, longer runs);
 * invisible characters no face covers are dropped, since they are never drawn.
 */
export function splitRuns(text: string, chain: FallbackChain): TextRun[] {
  const runs: TextRun[] = []
  let current: TextRun | undefined
  let runText = ''
  const flush = () => {
    if (current && runText) {
      current.text = runText
      runs.push(current)
    }
    current = undefined
    runText = ''
  }
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!
    const size = codePoint > 0xffff ? 2 : 1
    const char = text.slice(i, i + size)
    i += size
    // Spaces and invisible marks join the current run when its face covers them, but a
    // space after a fallback stretch goes back to the primary face (code keeps its widths).
    const sticky = codePoint === 0x20 ? current?.face === chain.primary : isIgnorable(codePoint)
    if (sticky && current?.face && coverage(current.face, codePoint)) {
      runText += char
      continue
    }
    const face = chain.faceFor(codePoint)
    if (face === null && isIgnorable(codePoint)) continue
    if (!current || current.face !== face) {
      flush()
      current = {text: '', face}
    }
    runText += char
  }
  flush()
  return runs
}

/**
 * Which characters of `text` each face draws, following the chain: what a subsetter
 * (EPUB `--embed-fonts`) needs. Characters no face covers are returned under `missing`.
 */
export function charactersByFace(text: string, chain: FallbackChain): {byFace: Map<FontFace, Set<number>>; missing: Set<number>} {
  const byFace = new Map<FontFace, Set<number>>()
  const missing = new Set<number>()
  for (const char of new Set(text)) {
    const codePoint = char.codePointAt(0)!
    const face = chain.faceFor(codePoint)
    if (!face) {
      if (!isIgnorable(codePoint)) missing.add(codePoint)
      continue
    }
    let chars = byFace.get(face)
    if (!chars) byFace.set(face, (chars = new Set()))
    chars.add(codePoint)
  }
  return {byFace, missing}
}

/** A subset of a face holding the glyphs of `codePoints` (TrueType bytes), for embedding. */
export function subsetFace(face: FontFace, codePoints: Iterable<number>): Uint8Array {
  const font = openFont(face.file)
  const subset = font.createSubset()
  for (const codePoint of codePoints) subset.includeGlyph(font.glyphForCodePoint(codePoint).id)
  return subset.encode()
}

const advances = new Map<string, Map<number, number>>()

/** Advance width of one code point in a face, in units of the font size (1 = 1 em). */
export function advanceEm(face: FontFace, codePoint: number): number {
  let cache = advances.get(face.file)
  if (!cache) advances.set(face.file, (cache = new Map()))
  let width = cache.get(codePoint)
  if (width === undefined) {
    const font = openFont(face.file)
    width = font.glyphForCodePoint(codePoint).advanceWidth / font.unitsPerEm
    cache.set(codePoint, width)
  }
  return width
}

/**
 * Ideographs, CJK punctuation and fullwidth forms (not kana, which kerns): shaping does not change their
 * advances in the default features (no kerning, no ligatures), so a sum of advances is
 * exact and far cheaper than shaping.
 */
export function isUnshapedUnit(codePoint: number): boolean {
  return (
    (codePoint >= 0x3000 && codePoint <= 0x303f) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xff01 && codePoint <= 0xff5e)
  )
}

const layoutWidths = new Map<string, Map<string, number>>()

/**
 * Width of a string in em, shaped as PDFKit shapes it (kerning, ligatures), word by word
 * at spaces, so the number matches what the PDF will draw.
 */
export function shapedWidthEm(face: FontFace, text: string, features?: string[]): number {
  // With explicit features PDFKit shapes the whole string at once, uncached: do the same.
  if (features && features.length > 0) {
    const font = openFont(face.file)
    return font.layout(text, features).advanceWidth / font.unitsPerEm
  }
  // Kana kerns against its neighbours (punctuation included): shape such text whole.
  if (/[\u3040-\u30ff\u31f0-\u31ff]/.test(text)) return shapedStretch(face, text)
  let total = 0
  let shapedFrom = -1
  for (let i = 0; i < text.length; i++) {
    const codeUnit = text.charCodeAt(i)
    if (isUnshapedUnit(codeUnit)) {
      if (shapedFrom >= 0) {
        total += shapedStretch(face, text.slice(shapedFrom, i))
        shapedFrom = -1
      }
      total += advanceEm(face, codeUnit)
    } else if (shapedFrom < 0) {
      shapedFrom = i
    }
  }
  if (shapedFrom >= 0) total += shapedStretch(face, text.slice(shapedFrom))
  return total
}

/** Shape word by word at spaces (as PDFKit does), caching short words. */
function shapedStretch(face: FontFace, text: string): number {
  const font = openFont(face.file)
  let cache = layoutWidths.get(face.file)
  if (!cache) layoutWidths.set(face.file, (cache = new Map()))
  let total = 0
  let last = 0
  for (let index = 0; index <= text.length; index++) {
    if (index === text.length ? last < index : text[index] === ' ' || text[index] === '\t') {
      const word = text.slice(last, index + 1)
      last = index + 1
      let width = cache.get(word)
      if (width === undefined) {
        width = font.layout(word).advanceWidth / font.unitsPerEm
        if (word.length <= 64) cache.set(word, width)
      }
      total += width
    }
  }
  return total
}

/** Ascent and descent in em (hhea), as PDFKit reads them. */
export function verticalMetrics(face: FontFace): {ascent: number; descent: number; height: number} {
  const font = openFont(face.file)
  const ascent = font.ascent / font.unitsPerEm
  const descent = font.descent / font.unitsPerEm
  return {ascent, descent, height: ascent - descent}
}
