/**
 * The PDF edition: Book → pdfmake document (our own CJK line breaking and
 * justification, fonts by coverage) → `<name>.pdf`, plus `<name>.booklet.pdf` when
 * `options.pdf.imposition` is `booklet`.
 */
import path from 'node:path'
import pdfmake from 'pdfmake'
import {ImprintError, oneLine} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic.js'
import type {Renderer, RenderContext} from '../types.js'
import {buildDocument} from './document.js'
import {installFastShaping} from './fastshape.js'
import {FontSet} from './fontset.js'
import {loadPdfStyle} from './style.js'

/** Render the PDF bytes for a context (no files written). Exposed for tests. */
export async function renderPdfBytes(context: RenderContext): Promise<Uint8Array> {
  const {book, options} = context
  installFastShaping()
  const warn = (code: string, message: string, line?: number) => context.warn({code, message, ...(line ? {line} : {})})
  const fonts = new FontSet(options.pdf.fonts, book.baseDir, warn)
  const style = loadPdfStyle()
  const {definition} = buildDocument({
    book,
    options,
    style,
    fonts,
    warn,
    progress: (done, total, label) => context.progress({done, total, label})
  })
  for (const missing of fonts.missingGlyphs()) {
    const hex = missing.codePoint.toString(16).toUpperCase().padStart(4, '0')
    warn(
      'missing-glyph',
      `no font covers U+${hex} '${String.fromCodePoint(missing.codePoint)}' (${missing.count}×); drawn as 〓`,
      missing.line
    )
  }

  const fontFiles = new Set(fonts.faces.map((face) => path.resolve(face.file)))
  pdfmake.setFonts(fonts.pdfmakeFonts())
  // No network, and the file system only for our font files (images arrive as data URLs).
  pdfmake.setUrlAccessPolicy(() => false)
  ;(pdfmake as unknown as {setLocalAccessPolicy(policy: (file: string) => boolean): void}).setLocalAccessPolicy((file) =>
    fontFiles.has(path.resolve(file))
  )
  try {
    const document = pdfmake.createPdf(definition)
    const buffer = await (document as unknown as {getBuffer(): Promise<Buffer>}).getBuffer()
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  } catch (error) {
    throw new ImprintError(`pdf: ${oneLine(error)}`, {kind: 'edition', cause: error})
  }
}

export const renderPdf: Renderer = async (context) => {
  const pdf = await renderPdfBytes(context)
  const target = path.join(context.outDir, `${context.name}.pdf`)
  await writeFileAtomic(target, pdf)
  const outputs: {pdf: string; booklet?: string} = {pdf: target}
  if (context.options.pdf.imposition === 'booklet') {
    const booklet = path.join(context.outDir, `${context.name}.booklet.pdf`)
    // pdf-lib is only loaded when a booklet is asked for (it costs ~0.1 s to load).
    const {imposeBooklet} = await import('./booklet.js')
    await writeFileAtomic(booklet, await imposeBooklet(pdf, context.book.meta.modified, context.book.meta.title))
    outputs.booklet = booklet
  }
  return outputs
}
