// Peer for the PDF edition: raw pdfmake 0.3, a plain document built from the same
// Markdown (headings as toc items, paragraphs as text), A5, one CJK TTF, 10.5 pt,
// no justification. What a user would write by hand without imprint.
// Usage: node pdfmake-doc.mjs <input.md> <output.pdf> <font.ttf> [--no-toc]
import fs from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const pdfmake = require('pdfmake')

const [input, output, font, flag] = process.argv.slice(2)
if (!input || !output || !font) {
  console.error('usage: pdfmake-doc.mjs <input.md> <output.pdf> <font.ttf> [--no-toc]')
  process.exit(2)
}
const withToc = flag !== '--no-toc'

/** Blocks separated by blank lines; headings become toc entries. */
function content(markdown) {
  const body = markdown.replace(/^---\n[\s\S]*?\n---\n/, '')
  const blocks = []
  for (const block of body.split(/\n\s*\n/)) {
    const text = block.trim().replace(/\*\*/g, '')
    if (!text) continue
    const heading = /^(#{1,6})\s+(.*)$/s.exec(text)
    if (heading) {
      const level = heading[1].length
      blocks.push({text: heading[2], tocItem: withToc, fontSize: 16 - level, bold: true, margin: [0, 8, 0, 4]})
    } else blocks.push({text: text.replace(/\n/g, ''), margin: [0, 0, 0, 4]})
  }
  return blocks
}

pdfmake.setUrlAccessPolicy(() => false)
pdfmake.setLocalAccessPolicy(() => true)
pdfmake.addFonts({Cjk: {normal: font, bold: font, italics: font, bolditalics: font}})
const blocks = content(fs.readFileSync(input, 'utf8'))
const doc = {
  pageSize: 'A5',
  pageMargins: [48, 56, 48, 56],
  defaultStyle: {font: 'Cjk', fontSize: 10.5, lineHeight: 1.4},
  content: withToc ? [{toc: {title: {text: '目录', fontSize: 16, bold: true}}, pageBreak: 'after'}, ...blocks] : blocks
}
await pdfmake.createPdf(doc).write(output)
