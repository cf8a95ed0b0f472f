/**
 * The fonts of one PDF build: bundled and user faces, one fallback chain per
 * role/weight, and the conversion of styled text into pieces a face can draw.
 * Characters no face covers become a visible geta mark (〓) and a warning.
 */
import {
  bundledFaces,
  fallbackChain,
  splitRuns,
  userFaces,
  verticalMetrics,
  type FallbackChain,
  type FaceWeight,
  type FontFace
} from '../../fonts/index.js'
import {ImprintError} from '../../errors.js'
import type {Piece} from './linebreak.js'

export type TextRole = 'serif' | 'sans' | 'mono'

const QUOTE = /[\u2018\u2019\u201c\u201d]/
const LATIN = /[A-Za-z0-9\u00c0-\u024f]/

/** Placeholder drawn for a character no font covers (the traditional CJK "missing type" mark). */
export const MISSING_MARK = '\u3013'

export interface MissingGlyph {
  codePoint: number
  line?: number
}

export class FontSet {
  readonly faces: FontFace[]
  private readonly chains = new Map<string, FallbackChain>()
  private readonly missing = new Map<number, {count: number; line?: number}>()

  /**
   * CJK fonts draw ‘’“” full-width, right for Chinese text but gaping in English words
   * (`don’t`). Such quotes are shaped with `pwid` (proportional widths): all of them in a
   * non-CJK book, those touching a Latin letter or digit in a CJK book.
   */
  proportionalQuotes: 'all' | 'beside-latin' = 'beside-latin'

  constructor(userFiles: string[], baseDir: string, warn: (code: string, message: string) => void) {
    const bundled = bundledFaces()
    if (bundled.length === 0) throw new ImprintError('no bundled fonts found in fonts/', {kind: 'edition'})
    const user = userFaces(userFiles, baseDir)
    for (const problem of user.problems) warn('font-unreadable', `${problem.file}: ${problem.message}`)
    this.faces = [...bundled, ...user.faces]
  }

  chain(role: TextRole, weight: FaceWeight): FallbackChain {
    const key = `${role}-${weight}`
    let chain = this.chains.get(key)
    if (!chain) this.chains.set(key, (chain = fallbackChain(this.faces, role, weight)))
    return chain
  }

  /** pdfmake font dictionary: one family per face, every variant the same file. */
  pdfmakeFonts(): Record<string, {normal: string; bold: string; italics: string; bolditalics: string}> {
    const fonts: Record<string, {normal: string; bold: string; italics: string; bolditalics: string}> = {}
    for (const face of this.faces) fonts[face.key] = {normal: face.file, bold: face.file, italics: face.file, bolditalics: face.file}
    return fonts
  }

  /** Split text into pieces by coverage; uncovered characters are recorded and replaced. */
  pieces<S>(text: string, role: TextRole, weight: FaceWeight, fontSize: number, style: S, line?: number): Piece<S>[] {
    const chain = this.chain(role, weight)
    const pieces: Piece<S>[] = []
    for (const run of splitRuns(text, chain)) {
      if (run.face) {
        for (const part of this.quoteParts(run.text)) {
          pieces.push(part.proportional ? {text: part.text, face: run.face, fontSize, style, features: ['pwid']} : {text: part.text, face: run.face, fontSize, style})
        }
        continue
      }
      for (const char of run.text) this.recordMissing(char.codePointAt(0)!, line)
      const markFace = chain.faceFor(MISSING_MARK.codePointAt(0)!) ?? chain.primary
      pieces.push({text: MISSING_MARK.repeat([...run.text].length), face: markFace, fontSize, style})
    }
    return pieces
  }

  /** Cut text where quotes must be proportional (see `proportionalQuotes`). */
  private quoteParts(text: string): {text: string; proportional: boolean}[] {
    if (!QUOTE.test(text)) return [{text, proportional: false}]
    const parts: {text: string; proportional: boolean}[] = []
    let plain = ''
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!
      const proportional =
        QUOTE.test(char) && (this.proportionalQuotes === 'all' || LATIN.test(text[i - 1] ?? '') || LATIN.test(text[i + 1] ?? ''))
      if (!proportional) {
        plain += char
        continue
      }
      if (plain) parts.push({text: plain, proportional: false})
      plain = ''
      const last = parts.at(-1)
      if (last?.proportional) last.text += char
      else parts.push({text: char, proportional: true})
    }
    if (plain) parts.push({text: plain, proportional: false})
    return parts
  }

  private recordMissing(codePoint: number, line?: number): void {
    const seen = this.missing.get(codePoint)
    if (seen) seen.count++
    else this.missing.set(codePoint, {count: 1, line})
  }

  /** Every character no face covered, once each, with the first source line it appeared on. */
  missingGlyphs(): {codePoint: number; count: number; line?: number}[] {
    return [...this.missing.entries()].map(([codePoint, seen]) => ({codePoint, ...seen}))
  }

  /** pdfmake `lineHeight` factor that makes an inline of this face and size take `leading` points. */
  lineHeightFactor(face: FontFace, fontSize: number, leading: number): number {
    return leading / (verticalMetrics(face).height * fontSize)
  }
}
