/** The part of fontkit's API imprint uses (fontkit ships no types). */
declare module 'fontkit' {
  export interface Glyph {
    id: number
    advanceWidth: number
  }
  export interface GlyphRun {
    advanceWidth: number
    glyphs: Glyph[]
  }
  export interface Subset {
    /** Adds a glyph; returns its id in the subset. */
    includeGlyph(glyph: number | Glyph): number
    /** The subset font file (TrueType for glyf fonts). */
    encode(): Uint8Array
  }
  export interface Font {
    postscriptName: string
    familyName: string
    subfamilyName: string
    unitsPerEm: number
    ascent: number
    descent: number
    lineGap: number
    numGlyphs: number
    directory: {tables: Record<string, unknown>}
    hasGlyphForCodePoint(codePoint: number): boolean
    glyphForCodePoint(codePoint: number): Glyph
    layout(text: string, features?: string[] | Record<string, boolean>): GlyphRun
    createSubset(): Subset
  }
  export function openSync(file: string, postscriptName?: string): Font
  export function create(buffer: Uint8Array, postscriptName?: string): Font
}
