/**
 * pdfmake content nodes as plain objects. @types/pdfmake's unions do not know several
 * properties pdfmake 0.3 reads (outline, outlineText, per-inline lineHeight on pageReference
 * nodes…), so the renderer builds loose objects and the document is cast once at the end.
 */
export interface PdfNode {
  [key: string]: unknown
  margin?: [number, number, number, number]
}
