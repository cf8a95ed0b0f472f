/**
 * remarkDedupe behaviour, one fixture folder per rule: `input.md` beside
 * `expected.json` ({options?, removed: [{line, firstLine}], kept}). The plugin runs in a
 * bare unified pipeline to prove it works on its own.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Root} from 'mdast'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import {unified} from 'unified'
import {visit} from 'unist-util-visit'
import {VFile} from 'vfile'
import {describe, expect, it} from 'vitest'
import remarkDedupe from '../../src/parse/dedupe.js'
import {loadManuscript} from '../../src/load.js'
import {fixtures, have, sample} from '../support/paths.js'

const casesDir = path.join(fixtures, 'dedupe')

function run(markdown: string, options = {}) {
  const file = new VFile(markdown)
  const processor = unified().use(remarkParse).use(remarkGfm).use(remarkDedupe, options)
  const tree = processor.runSync(processor.parse(file), file) as Root
  let kept = 0
  visit(tree, 'paragraph', (_node, _index, parent) => {
    if (parent?.type !== 'listItem') kept++
  })
  return {tree, kept, report: file.data.dedupe!}
}

describe('remarkDedupe fixtures', () => {
  for (const name of fs.readdirSync(casesDir).sort()) {
    it(name, () => {
      const input = fs.readFileSync(path.join(casesDir, name, 'input.md'), 'utf8')
      const expected = JSON.parse(fs.readFileSync(path.join(casesDir, name, 'expected.json'), 'utf8'))
      const {kept, report} = run(input, expected.options)
      expect(report.removed.map(({line, firstLine}) => ({line, firstLine}))).toEqual(expected.removed)
      expect(kept).toBe(expected.kept)
    })
  }
})

describe('remarkDedupe report', () => {
  it('gives an excerpt of about 40 characters and similarity 1 for exact repeats', () => {
    const paragraph = '这是一段足够长的中文段落，用来检查报告里的摘录长度是否被截断到四十个字符左右，后面还有更多文字。'
    const {report} = run(`${paragraph}\n\n${paragraph}\n`)
    expect(report.removed).toHaveLength(1)
    expect([...report.removed[0]!.text].length).toBe(41) // 40 characters and an ellipsis
    expect(report.removed[0]!.text.endsWith('…')).toBe(true)
    expect(report.removed[0]!.similarity).toBe(1)
  })

  it('rejects a similarity outside (0, 1]', () => {
    expect(() => run('x', {similarity: 1.5})).toThrow(RangeError)
  })

  it('removes an emptied block quote with its repeated paragraph', () => {
    const {tree} = run('图书馆不是藏书的仓库，而是城市的客厅。\n\n> 图书馆不是藏书的仓库，而是城市的客厅。\n')
    expect(tree.children.map((n) => n.type)).toEqual(['paragraph'])
  })
})

describe.skipIf(!have(sample, 'the press-conference sample'))('remarkDedupe on the sample', () => {
  it('removes exactly the four verbatim repeats and keeps every other paragraph', () => {
    const withDedupe = loadManuscript(sample)
    const without = loadManuscript(sample, {options: {dedupe: {enabled: false}}})
    // Counted by hand: line 75 repeats 71 in s05; lines 101, 103, 105 repeat 99 in s07.
    expect(withDedupe.removed.map((r) => [r.line, r.firstLine, r.section?.id])).toEqual([
      [75, 71, 's05'],
      [101, 99, 's07'],
      [103, 99, 's07'],
      [105, 99, 's07']
    ])
    const count = (loaded: typeof without) => loaded.book.sections.reduce((n, s) => n + s.nodes.filter((x) => x.type === 'paragraph').length, 0)
    expect(count(without) - count(withDedupe)).toBe(4)
    // Line 71's paragraph begins with the sentence that line 99 repeats alone: a near
    // duplicate, not a verbatim one, so both stay.
    const lines = withDedupe.book.sections.flatMap((s) => s.nodes.map((n) => n.position?.start.line))
    expect(lines).toContain(71)
    expect(lines).toContain(99)
  })
})
