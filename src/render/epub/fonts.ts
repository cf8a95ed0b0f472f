/**
 * --embed-fonts: subset the bundled CJK faces (fonts/, found through src/fonts) to exactly
 * the characters each face draws in this book, as WOFF, declared with @font-face.
 *
 * Which characters go to which face follows the stylesheet: body text → serif regular,
 * <strong>/<b> → serif bold, headings, speaker labels and table heads → sans bold,
 * code → mono (with sans regular for what it lacks), the contents page → sans regular. The family names are the ones templates/epub.css
 * already puts first in its stacks, so the embedded faces take over without other changes.
 */
import fs from 'node:fs'
import {bundledFaces, coverage, isIgnorable, type FontFace} from '../../fonts/index.js'
import type {Warning} from '../../report.js'

export interface EmbeddedFonts {
  css: string
  files: {id: string; href: string; mediaType: string; data: Uint8Array}[]
  /** Characters no embedded face covers (the reader's fonts must draw them). */
  missing: string[]
}

/** Text drawn by each face, gathered from the finished XHTML documents. */
export interface FaceTexts {
  body: string
  bold: string
  headings: string
  nav: string
  code: string
}

type Warn = (warning: Omit<Warning, 'stage'>) => void

const TAGS = /<[^>]+>/g

function innerText(xhtml: string, pattern: RegExp): string {
  let text = ''
  for (const match of xhtml.matchAll(pattern)) text += match[1]!.replace(TAGS, '')
  return text
}

/** Split the documents' text by the face that draws it (see the stylesheet). */
export function faceTexts(documents: string[], nav: string): FaceTexts {
  const texts: FaceTexts = {body: '', bold: '', headings: '', nav: '', code: ''}
  for (const xhtml of documents) {
    const body = xhtml.replace(/^[\s\S]*?<body[^>]*>/, '')
    texts.body += body.replace(TAGS, '')
    texts.bold += innerText(body, /<(?:strong|b)\b[^>]*>([\s\S]*?)<\/(?:strong|b)>/g)
    texts.headings += innerText(body, /<(?:h[1-6]|th)\b[^>]*>([\s\S]*?)<\/(?:h[1-6]|th)>/g)
    texts.headings += innerText(body, /<span class="speaker">([\s\S]*?)<\/span>/g)
    texts.code += innerText(body, /<code\b[^>]*>([\s\S]*?)<\/code>/g)
  }
  texts.nav = nav.replace(/^[\s\S]*?<body[^>]*>/, '').replace(TAGS, '')
  return texts
}

/** Distinct drawable characters of `text`, sorted (so the subset input is deterministic). */
function characters(text: string): string[] {
  const decoded = text.replace(/&(amp|lt|gt|quot);/g, (_, name: string) => ({amp: '&', lt: '<', gt: '>', quot: '"'})[name]!)
  const set = new Set<string>()
  for (const char of decoded) {
    const codePoint = char.codePointAt(0)!
    if (codePoint === 0x20 || codePoint === 0x0a || isIgnorable(codePoint)) continue
    set.add(char)
  }
  return [...set].sort()
}

interface Slot {
  role: 'serif' | 'sans' | 'mono'
  weight: 'regular' | 'bold'
  text: (texts: FaceTexts) => string
}

const SLOTS: Slot[] = [
  {role: 'serif', weight: 'regular', text: (t) => t.body},
  {role: 'serif', weight: 'bold', text: (t) => t.bold},
  {role: 'sans', weight: 'bold', text: (t) => t.headings + t.nav},
  // Code: the Latin mono face, with the sans drawing what it lacks (CJK comments, strings).
  {role: 'mono', weight: 'regular', text: (t) => t.code},
  {role: 'sans', weight: 'regular', text: (t) => t.nav + t.code}
]

export async function embeddedFonts(texts: FaceTexts, warn: Warn): Promise<EmbeddedFonts | undefined> {
  const faces = bundledFaces()
  if (faces.length === 0) {
    warn({code: 'fonts-missing', message: "--embed-fonts: no bundled fonts in fonts/; the EPUB relies on the reader's fonts"})
    return undefined
  }
  const files: EmbeddedFonts['files'] = []
  const rules: string[] = []
  for (const slot of SLOTS) {
    const face = faces.find((f) => f.role === slot.role && f.weight === slot.weight)
    const chars = characters(slot.text(texts)).filter((c) => face && coverage(face, c))
    if (!face || chars.length === 0) continue
    const data = await subset(face, chars.join(''))
    const name = `${slot.role}-${slot.weight}`
    files.push({id: `font-${name}`, href: `fonts/${name}.woff`, mediaType: 'font/woff', data})
    rules.push(`@font-face {
  font-family: "${face.family}";
  font-weight: ${slot.weight === 'bold' ? 'bold' : 'normal'};
  font-style: normal;
  src: url("fonts/${name}.woff") format("woff");
}`)
  }
  const body = faces.find((f) => f.role === 'serif' && f.weight === 'regular') ?? faces[0]!
  const missing = characters(texts.body + texts.headings).filter((c) => !faces.some((f) => f.role !== 'user' && coverage(f, c)))
  if (missing.length > 0) {
    const shown = missing.slice(0, 20).map((c) => `${c} U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)
    warn({
      code: 'missing-glyph',
      message: `--embed-fonts: ${missing.length} character(s) are in no bundled font (${body.family} and others), the reader's fonts must draw them: ${shown.join(', ')}${missing.length > 20 ? ', …' : ''}`
    })
  }
  if (files.length === 0) return undefined
  return {css: `/* Subsets of the bundled fonts (SIL Open Font License), only the characters this book uses. */\n${rules.join('\n')}\n`, files, missing}
}

async function subset(face: FontFace, text: string): Promise<Uint8Array> {
  const source = await fs.promises.readFile(face.file)
  // Name ids 0 (copyright), 13 and 14 (licence, licence URL) carry the OFL notice with the font.
  // harfbuzz (WebAssembly) is loaded only for --embed-fonts.
  const {default: subsetFont} = await import('subset-font')
  const woff = await subsetFont(source, text, {targetFormat: 'woff', preserveNameIds: [0, 1, 2, 3, 4, 5, 6, 13, 14]})
  return new Uint8Array(woff)
}
