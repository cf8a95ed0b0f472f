import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadText} from '../../src/load.js'
import {have, sample} from '../support/paths.js'
import {copyMark, fallback, generateManuscript, markBody, splitHead, writeInputs} from './generate.js'

/** Body blocks (paragraphs and headings) of a Markdown text, front matter and title block excluded. */
function blocks(text: string): string[] {
  return splitHead(text)
    .body.split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
}

function checkSource(file: string, sectionsPerCopy: number) {
  const text = fs.readFileSync(file, 'utf8')
  const one = blocks(text)
  const distinctInOne = new Set(one).size

  it('1× is the source itself', () => {
    expect(generateManuscript(text, 1)).toBe(text)
  })

  it('10× has 10× the blocks, and each copy repeats only its own blocks', () => {
    const ten = blocks(generateManuscript(text, 10))
    expect(ten).toHaveLength(one.length * 10)
    // Unique across copies: as many distinct blocks as 10 × the distinct blocks of one copy.
    expect(new Set(ten).size).toBe(distinctInOne * 10)
    for (let copy = 2; copy <= 10; copy++) {
      expect(ten.filter((block) => block.endsWith(copyMark(copy)))).toHaveLength(one.length)
    }
  })

  it('the loader sees 10 × the sections and dedupe removes only the in-copy repeats', () => {
    const oneBook = loadText(text, file)
    const tenBook = loadText(generateManuscript(text, 10), file)
    expect(oneBook.book.sections).toHaveLength(sectionsPerCopy)
    expect(tenBook.book.sections).toHaveLength(sectionsPerCopy * 10)
    expect(tenBook.book.meta.title).toBe(oneBook.book.meta.title)
    expect(tenBook.removed.length).toBe(oneBook.removed.length * 10)
  })
}

describe('bench input generator: the repository fixture', () => {
  checkSource(fallback, 4)
})

describe.skipIf(!have(sample, 'the press-conference sample'))('bench input generator: the shared sample', () => {
  checkSource(sample, 11)

  it('100× of the sample has 1,100 section headings and about 1.9 MB', () => {
    // Loading 1.9 MB takes seconds on a busy machine; the 10× case above checks the
    // loader's view, here the headings are counted directly.
    const text = generateManuscript(fs.readFileSync(sample, 'utf8'), 100)
    expect(text.match(/^### /gm)).toHaveLength(1100)
    expect(text.match(/^#{1,2} /gm)).toHaveLength(2)
    expect(Buffer.byteLength(text) / 1e6).toBeGreaterThan(1.8)
    expect(Buffer.byteLength(text) / 1e6).toBeLessThan(2.0)
  })
})

describe('bench input files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-bench-'))
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('regenerates byte-identical files and leaves them untouched', () => {
    const source = {file: fallback, name: 'interview'}
    const first = writeInputs(source, [1, 3], dir)
    const bytes = first.map((input) => fs.readFileSync(input.file))
    const mtimes = first.map((input) => fs.statSync(input.file).mtimeMs)
    const again = writeInputs(source, [1, 3], dir)
    expect(again.map((input) => input.file)).toEqual(first.map((input) => input.file))
    again.forEach((input, i) => {
      expect(fs.readFileSync(input.file).equals(bytes[i]!)).toBe(true)
      expect(fs.statSync(input.file).mtimeMs).toBe(mtimes[i])
      expect(input.bytes).toBe(bytes[i]!.length)
    })
    // A fresh generation elsewhere gives the same bytes (no dates, no randomness).
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-bench-'))
    try {
      const fresh = writeInputs(source, [3], other)
      expect(fs.readFileSync(fresh[0]!.file).equals(bytes[1]!)).toBe(true)
    } finally {
      fs.rmSync(other, {recursive: true, force: true})
    }
  })

  it('marks headings and paragraph ends but not code fences or tables', () => {
    const body = '## A\n\ntext one\nline two\n\n```\ncode\n```\n\n| a |\n| - |\n| 1 |\n'
    const marked = markBody(body, '（第2份）')
    expect(marked).toBe('## A（第2份）\n\ntext one\nline two（第2份）\n\n```\ncode\n```\n\n| a |\n| - |\n| 1 |\n')
  })
})
