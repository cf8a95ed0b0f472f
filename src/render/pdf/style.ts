/** The PDF style sheet: templates/pdf-style.json, what a designer edits. */
import fs from 'node:fs'
import path from 'node:path'
import type {PageSize} from '../../config.js'

export interface HeadingStyle {
  fontSize: number
  spaceBeforeEm: number
  spaceAfterEm: number
}

export interface Localised {
  zh: string
  ja: string
  ko: string
  other: string
}

export interface PdfStyle {
  margins: Record<PageSize, {top: number; bottom: number; inner: number; outer: number}>
  body: {
    fontSize: number
    lineHeight: number
    firstLineIndentEm: number
    latinFirstLineIndentEm: number
    paragraphSpacingEm: number
    color: string
  }
  headings: {section: HeadingStyle; '2': HeadingStyle; '3': HeadingStyle; '4': HeadingStyle; keepWithNextLines: number}
  speakerLabel: {color: string}
  titlePage: {titleSize: number; subtitleSize: number; authorSize: number; dateSize: number; topRatio: number}
  toc: {title: Localised; fontSize: number; pageNumberWidth: number}
  headerFooter: {fontSize: number; color: string; offset: number}
  code: {fontSize: number; lineHeight: number; background: string; padding: number}
  blockquote: {indentEm: number; color: string}
  list: {indentEm: number}
  table: {fontSize: number; headerBackground: string; lineColor: string}
  footnotes: {fontSize: number; lineHeight: number; title: Localised}
  link: {color: string}
}

export const STYLE_FILE = path.resolve(import.meta.dirname, '../../../templates/pdf-style.json')

/** Page sizes in points (portrait), as pdfmake/PDFKit define them. */
export const PAGE_SIZES: Record<PageSize, {width: number; height: number}> = {
  A5: {width: 419.53, height: 595.28},
  B5: {width: 498.9, height: 708.66},
  A4: {width: 595.28, height: 841.89},
  Letter: {width: 612, height: 792}
}

let cached: PdfStyle | undefined

export function loadPdfStyle(file = STYLE_FILE): PdfStyle {
  if (file === STYLE_FILE && cached) return cached
  const style = JSON.parse(fs.readFileSync(file, 'utf8')) as PdfStyle
  if (file === STYLE_FILE) cached = style
  return style
}

export function localised(text: Localised, language: string): string {
  const primary = language.split('-')[0]!.toLowerCase()
  return primary === 'zh' || primary === 'ja' || primary === 'ko' ? text[primary] : text.other
}
