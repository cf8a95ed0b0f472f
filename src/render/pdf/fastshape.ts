/**
 * A shortcut around OpenType shaping for Han text, installed into the fontkit instance
 * PDFKit uses.
 *
 * PDFKit shapes every string it measures or draws with fontkit, and pdfmake measures each
 * of our line strings once more; CJK lines are unique strings, so its word cache never
 * hits. For ideographs, CJK punctuation and fullwidth forms the default features change
 * nothing (no kerning, ligatures or substitutions in the default language system), so
 * the run is the cmap glyphs at their advances. The test suite checks that claim against
 * real shaping on real text (test/render/pdf/fonts.test.ts). Everything else — Latin,
 * kana, any explicit feature list — goes through fontkit unchanged.
 */
import {createRequire} from 'node:module'
import {FONTS_DIR, isUnshapedUnit} from '../../fonts/index.js'
import path from 'node:path'
import fs from 'node:fs'

interface CjsGlyph {
  id: number
  advanceWidth: number
  codePoints: number[]
}
interface CjsFont {
  glyphForCodePoint(codePoint: number): CjsGlyph
  layout(text: string, features?: unknown, ...rest: unknown[]): unknown
}

/** A glyph run shaped as the identity. `advanceWidth` sums the positions, as fontkit's does. */
class PlainRun {
  constructor(
    readonly glyphs: CjsGlyph[],
    readonly positions: {xAdvance: number; yAdvance: number; xOffset: number; yOffset: number}[]
  ) {}

  get advanceWidth(): number {
    let width = 0
    for (const position of this.positions) width += position.xAdvance
    return width
  }
}

export function plainRun(font: CjsFont, text: string): PlainRun | undefined {
  if (text.length === 0) return undefined
  for (let i = 0; i < text.length; i++) if (!isUnshapedUnit(text.charCodeAt(i))) return undefined
  const glyphs: CjsGlyph[] = []
  const positions: PlainRun['positions'] = []
  for (let i = 0; i < text.length; i++) {
    const glyph = font.glyphForCodePoint(text.charCodeAt(i))
    glyphs.push(glyph)
    positions.push({xAdvance: glyph.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0})
  }
  return new PlainRun(glyphs, positions)
}

let installed = false

/** Install the shortcut into the CommonJS fontkit PDFKit loads (idempotent). */
export function installFastShaping(): void {
  if (installed) return
  installed = true
  const require = createRequire(import.meta.url)
  const pdfkitFile = require.resolve('pdfkit')
  const fontkit = createRequire(pdfkitFile)('fontkit') as {create(buffer: Buffer): CjsFont}
  // Any TrueType font gives us the shared font class's prototype; the smallest bundled one is enough.
  const probe = fs
    .readdirSync(FONTS_DIR)
    .filter((name) => name.endsWith('.ttf'))
    .map((name) => path.join(FONTS_DIR, name))
    .sort((a, b) => fs.statSync(a).size - fs.statSync(b).size)[0]
  if (!probe) return
  const prototype = Object.getPrototypeOf(fontkit.create(fs.readFileSync(probe))) as CjsFont
  const shape = prototype.layout
  prototype.layout = function (this: CjsFont, text: string, features?: unknown, ...rest: unknown[]) {
    const noFeatures = features === undefined || features === null || (Array.isArray(features) && features.length === 0)
    return (noFeatures && rest.length === 0 && plainRun(this, text)) || shape.call(this, text, features, ...rest)
  }
}
