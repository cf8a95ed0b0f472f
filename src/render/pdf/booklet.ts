/**
 * Saddle-stitch imposition: the typeset pages, two-up on landscape sheets, in the order
 * that folds into a booklet. Pages are placed as they are (pdf-lib embeds them as form
 * XObjects); nothing is typeset twice.
 */
import {PDFDocument} from 'pdf-lib'

/** A4 landscape in points. */
const SHEET = {width: 841.89, height: 595.28}

/**
 * Page order for `count` pages (padded to a multiple of 4): for each sheet side, the
 * [left, right] 0-based page indexes; indexes ≥ `count` are blanks.
 */
export function saddleStitchOrder(count: number): [number, number][] {
  const total = Math.max(4, Math.ceil(count / 4) * 4)
  const sides: [number, number][] = []
  for (let sheet = 0; sheet < total / 4; sheet++) {
    const outer = 2 * sheet
    // Front: last-but-n on the left, n+1 on the right; back: mirrored.
    sides.push([total - 1 - outer, outer])
    sides.push([outer + 1, total - 2 - outer])
  }
  return sides
}

export async function imposeBooklet(pdf: Uint8Array, modified: Date, title: string): Promise<Uint8Array> {
  const source = await PDFDocument.load(pdf, {updateMetadata: false})
  const booklet = await PDFDocument.create({updateMetadata: false})
  const count = source.getPageCount()
  const embedded = await booklet.embedPages(source.getPages())
  for (const [left, right] of saddleStitchOrder(count)) {
    const sheet = booklet.addPage([SHEET.width, SHEET.height])
    const slots: [number, number][] = [
      [left, 0],
      [right, SHEET.width / 2]
    ]
    for (const [index, x] of slots) {
      const page = index < count ? embedded[index] : undefined
      if (!page) continue
      // Scale to the half sheet (A5 on half of A4 is 1:1) and centre it.
      const scale = Math.min(SHEET.width / 2 / page.width, SHEET.height / page.height)
      const width = page.width * scale
      const height = page.height * scale
      sheet.drawPage(page, {x: x + (SHEET.width / 2 - width) / 2, y: (SHEET.height - height) / 2, xScale: scale, yScale: scale})
    }
  }
  booklet.setTitle(`${title} (booklet)`)
  booklet.setProducer('imprint (pdf-lib)')
  booklet.setCreator('imprint')
  booklet.setCreationDate(modified)
  booklet.setModificationDate(modified)
  return booklet.save({useObjectStreams: false})
}
