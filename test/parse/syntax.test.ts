/**
 * parseMarkdown gives the parser only the extensions whose syntax can occur in the text.
 * Its trees must equal those of the parser with every extension (remark-gfm, CJK-friendly
 * emphasis and strikethrough, front matter), on every CommonMark spec example, on small
 * cases that each need exactly one extension, on our fixtures, and on the sample and the
 * corpus books when ../shared is there.
 */
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import type {Root} from 'mdast'
import remarkCjkFriendly from 'remark-cjk-friendly'
import remarkCjkFriendlyGfmStrikethrough from 'remark-cjk-friendly-gfm-strikethrough'
import remarkFrontmatter from 'remark-frontmatter'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import {unified} from 'unified'
import {describe, expect, it} from 'vitest'
import {parseMarkdown} from '../../src/parse/index.js'
import {corpusFiles, fixtures, have, sample} from '../support/paths.js'

const full = unified().use(remarkParse).use(remarkGfm).use(remarkCjkFriendly).use(remarkCjkFriendlyGfmStrikethrough).use(remarkFrontmatter, ['yaml']).freeze()
const reference = (text: string) => full.parse(text) as Root

const {tests} = createRequire(import.meta.url)('commonmark-spec') as {tests: {markdown: string; number: number}[]}

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? markdownFiles(file) : entry.name.endsWith('.md') ? [file] : []
  })
}

describe('parseMarkdown with only the extensions a text needs', () => {
  it('equals the full parser on every CommonMark spec example', () => {
    const differing = tests.filter((test) => JSON.stringify(parseMarkdown(test.markdown)) !== JSON.stringify(reference(test.markdown)))
    expect(differing.map((test) => test.number)).toEqual([])
    expect(tests.length).toBeGreaterThan(600)
  })

  // Each needs one extension and lacks the triggers of the others, so a wrong trigger shows.
  const cases: Record<string, [string, string]> = {
    'autolink www': ['见 www.example.com 。', 'link'],
    'autolink http': ['见 https://example.com/路径 。', 'link'],
    'autolink e-mail': ['写信给 editor@example.com 吧', 'link'],
    footnote: ['正文[^1]。\n\n[^1]: 注释。', 'footnoteReference'],
    strikethrough: ['这是~~删除~~的字。', 'delete'],
    'single tilde': ['这是~删除~的字。', 'delete'],
    table: ['甲 | 乙\n--- | ---\n1 | 2', 'table'],
    'task list': ['- [ ] 未完成\n- [x] 完成', 'listItem'],
    'CJK emphasis': ['**王毅：**答', 'strong'],
    'front matter': ['---\ntitle: 书\n---\n\n正文', 'yaml']
  }
  for (const [name, [text, type]] of Object.entries(cases)) {
    it(`recognises ${name}`, () => {
      const tree = parseMarkdown(text)
      expect(tree).toEqual(reference(text))
      expect(JSON.stringify(tree)).toContain(`"type":"${type}"`)
    })
  }

  it('equals the full parser on every fixture', () => {
    const files = markdownFiles(fixtures)
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8')
      expect(parseMarkdown(text), file).toEqual(reference(text))
    }
  })

  it('equals the full parser on the sample and the corpus books', () => {
    const files = [sample, ...corpusFiles()].filter((file) => have(file, 'the sample or corpus'))
    if (files.length === 0) return
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n')
      expect(parseMarkdown(text), file).toEqual(reference(text))
    }
  }, 120_000)
})
