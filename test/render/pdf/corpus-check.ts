/**
 * Build every corpus document as a PDF and check it as the test suite checks the fixtures:
 * qpdf, embedded subset fonts, one outline entry per section, text fidelity, justification,
 * punctuation rules; with time and peak memory per document (each in its own process).
 *
 *   npx tsx test/render/pdf/corpus-check.ts [doc.md…]
 *
 * Too slow for the suite (minutes on two cores); corpus.test.ts runs two small documents.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Paragraph, RootContent} from 'mdast'
import {toString} from 'mdast-util-to-string'
import {loadManuscript} from '../../../src/load.js'
import {renderPdf} from '../../../src/render/pdf/index.js'
import {PAGE_SIZES, loadPdfStyle} from '../../../src/render/pdf/style.js'
import {justificationScore, outlineTitles, pdfFonts, run, runningText} from './helpers.js'

const CORPUS = path.resolve(import.meta.dirname, '../../../../shared/corpus/docs')

async function renderOne(file: string, outDir: string): Promise<void> {
  const started = performance.now()
  const loaded = loadManuscript(file)
  const loadedAt = performance.now()
  const warnings: {code: string}[] = []
  const outputs = await renderPdf({
    book: loaded.book,
    options: loaded.options,
    outDir,
    name: path.basename(file, '.md'),
    warn: (w) => warnings.push(w),
    progress: () => {}
  })
  const done = performance.now()
  process.stdout.write(
    JSON.stringify({
      pdf: outputs.pdf,
      loadMs: Math.round(loadedAt - started),
      renderMs: Math.round(done - loadedAt),
      peakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      warnings: warnings.length,
      warningCodes: [...new Set(warnings.map((w) => w.code))]
    })
  )
}

function paragraphs(file: string): {texts: string[]; sections: number; language: string; titles: string[]} {
  const loaded = loadManuscript(file)
  const texts: string[] = []
  const walk = (nodes: RootContent[]) => {
    for (const node of nodes) {
      // Paragraphs with raw HTML are checked by their text only in the test suite (tags are dropped).
      if (node.type === 'paragraph' && !(node as Paragraph).children.some((c) => c.type === 'html' || c.type === 'image'))
        texts.push(((node as Paragraph).data?.speaker?.label ?? '') + toString(node))
      else if ('children' in node && node.type !== 'table') walk(node.children as RootContent[])
    }
  }
  for (const section of loaded.book.sections) walk(section.nodes)
  return {
    texts,
    sections: loaded.book.sections.length,
    language: loaded.book.meta.language,
    titles: [loaded.book.meta.title, ...loaded.book.sections.map((s) => s.title)]
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return renderOne(process.argv[3]!, process.argv[4]!)
  const files = process.argv.length > 2 ? process.argv.slice(2) : fs.readdirSync(CORPUS).filter((f) => f.endsWith('.md')).map((f) => path.join(CORPUS, f))
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-corpus-'))
  const style = loadPdfStyle()
  const margins = style.margins.A5
  // Digits: footnote numbers; pictographs: drawn as 〓 (reported as missing glyphs).
  const squash = (text: string) => text.replace(/\s+|\d|\p{Extended_Pictographic}|\uFE0F|〓/gu, '')
  for (const file of files) {
    const result = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--one', file, outDir], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
    ) as {pdf: string; loadMs: number; renderMs: number; peakMiB: number; warnings: number; warningCodes: string[]}
    const check = run('qpdf', ['--check', result.pdf]).includes('No syntax or stream encoding errors')
    const fonts = pdfFonts(result.pdf)
    const {texts, sections, language, titles} = paragraphs(file)
    const text = squash(runningText(result.pdf, titles))
    const missing = texts.filter((t) => !text.includes(squash(t)))
    const indent = style.body.fontSize * (/^(zh|ja|ko)/.test(language) ? style.body.firstLineIndentEm : style.body.latinFirstLineIndentEm)
    const score = justificationScore(result.pdf, {
      left: margins.inner,
      right: PAGE_SIZES.A5.width - margins.outer,
      leading: style.body.fontSize * style.body.lineHeight,
      firstLineIndents: [indent],
      fromPage: 3
    })
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [result.pdf]))![1])
    console.log(
      [
        path.basename(file),
        `${(fs.statSync(file).size / 1024).toFixed(0)} KiB`,
        `load ${result.loadMs} ms`,
        `render ${result.renderMs} ms`,
        `peak ${result.peakMiB} MiB`,
        `${pages} pages`,
        `${(fs.statSync(result.pdf).size / 1024 / 1024).toFixed(1)} MiB pdf`,
        `qpdf ${check ? 'ok' : 'FAIL'}`,
        `fonts ${fonts.every((f) => f.embedded && f.subset) ? 'emb+sub' : 'FAIL'}`,
        `outline ${outlineTitles(result.pdf).length}/${sections}`,
        `paragraphs ${texts.length - missing.length}/${texts.length}`,
        `justified ${(score.ratio * 100).toFixed(1)}% of ${score.eligible}`,
        `rule breaks ${score.violations.length}`,
        `warnings ${result.warnings} (${result.warningCodes.join(' ')})`
      ].join(' | ')
    )
    for (const paragraph of missing.slice(0, 3)) console.log(`    missing: ${paragraph.slice(0, 80)}`)
    fs.rmSync(result.pdf)
  }
  fs.rmSync(outDir, {recursive: true, force: true})
}

await main()
