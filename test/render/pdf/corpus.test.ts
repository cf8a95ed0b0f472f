/**
 * Two real books from the shared corpus (one Chinese, one Japanese), built and measured as
 * the quality bar asks. The whole corpus is checked by corpus-check.ts (minutes; run by hand).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadManuscript} from '../../../src/load.js'
import {renderPdf} from '../../../src/render/pdf/index.js'
import {justificationScore, outlineTitles, pdfFonts, run} from './helpers.js'

const CORPUS = path.resolve(import.meta.dirname, '../../../../shared/corpus/docs')
const DOCS = [
  {file: '02b_zh-Hans_prc-constitution-and-amendments.md', indent: 21},
  {file: '03c_ja_the-art-of-command-line.md', indent: 21}
]
const present = DOCS.every((d) => fs.existsSync(path.join(CORPUS, d.file)))
if (!present) console.warn(`skipped: corpus documents missing under ${CORPUS} (shared/ beside the repository)`)

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-pdf-corpus-'))
afterAll(() => fs.rmSync(outDir, {recursive: true, force: true}))

describe.skipIf(!present)('corpus books', () => {
  for (const doc of DOCS) {
    it(`${doc.file}: valid, embedded subset fonts, outline per section, justified`, async () => {
      const loaded = loadManuscript(path.join(CORPUS, doc.file))
      const started = performance.now()
      const outputs = await renderPdf({book: loaded.book, options: loaded.options, outDir, name: 'book', warn: () => {}, progress: () => {}})
      const ms = performance.now() - started
      // Generous: the machine is shared; an accidental quadratic blows far past it.
      expect(ms).toBeLessThan(30000)
      const file = outputs.pdf!
      expect(run('qpdf', ['--check', file])).toContain('No syntax or stream encoding errors')
      expect(pdfFonts(file).every((f) => f.embedded && f.subset)).toBe(true)
      expect(outlineTitles(file)).toHaveLength(loaded.book.sections.length)
      const score = justificationScore(file, {left: 48, right: 419.53 - 48, leading: 10.5 * 1.7, firstLineIndents: [doc.indent], fromPage: 3})
      expect(score.eligible).toBeGreaterThan(15)
      expect(score.ratio, JSON.stringify(score.ragged)).toBeGreaterThanOrEqual(0.97)
      expect(score.violations).toEqual([])
    }, 60000)
  }
})
