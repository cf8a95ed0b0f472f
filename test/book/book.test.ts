import {describe, expect, it} from 'vitest'
import {toString} from 'mdast-util-to-string'
import type {Paragraph} from 'mdast'
import {loadText, loadManuscript} from '../../src/load.js'
import {slugify} from '../../src/book/slug.js'
import {detectLanguage} from '../../src/book/language.js'
import {have, sample} from '../support/paths.js'

const book = (markdown: string, options = {}) => loadText(markdown, 'test.md', {options}).book

describe('title, subtitle and sections', () => {
  it('takes the title from the opening # and the subtitle from the ## under it', () => {
    const b = book('# 书名\n\n## 副标题\n\n### 第一问\n\n正文一。\n\n### 第二问\n\n正文二。\n')
    expect(b.meta.title).toBe('书名')
    expect(b.meta.subtitle).toBe('副标题')
    expect(b.sections.map((s) => [s.id, s.title, s.depth])).toEqual([
      ['s01', '第一问', 3],
      ['s02', '第二问', 3]
    ])
  })

  it('treats a ## that opens a chapter (several ##, body text under it) as a section, not a subtitle', () => {
    const b = book('# Book\n\n## One\n\nText one.\n\n## Two\n\nText two.\n')
    expect(b.meta.subtitle).toBeUndefined()
    expect(b.sections.map((s) => s.title)).toEqual(['One', 'Two'])
  })

  it('lets front matter override the heading title and supply metadata', () => {
    const b = book('---\ntitle: 正式书名\nauthor: [甲, 乙]\nlang: zh-TW\ndate: 2024-01-02\n---\n\n# 标题\n\n## A\n\nx\n\n## B\n\ny\n')
    expect(b.meta).toMatchObject({title: '正式书名', authors: ['甲', '乙'], language: 'zh-TW', date: '2024-01-02'})
  })

  it('makes a preface of body text before the first section, and none of headings alone', () => {
    const withPreface = book('# T\n\nAn opening paragraph.\n\n## A\n\nx\n\n## B\n\ny\n')
    expect(withPreface.sections.map((s) => [s.title, s.depth])).toEqual([
      ['Preface', 0],
      ['A', 2],
      ['B', 2]
    ])
    const without = book('# T\n\n<!-- a comment -->\n\n## A\n\nx\n\n## B\n\ny\n')
    expect(without.sections.map((s) => s.title)).toEqual(['A', 'B'])
  })

  it('splits at an explicit depth, and shallower headings still open sections', () => {
    const md = '# T\n\n## Part\n\n### One\n\nx\n\n### Two\n\ny\n\n## Part 2\n\n### Three\n\nz\n'
    expect(book(md).sections.map((s) => s.title)).toEqual(['Part', 'Part 2'])
    expect(book(md, {splitDepth: 3}).sections.map((s) => s.title)).toEqual(['Part', 'One', 'Two', 'Part 2', 'Three'])
  })

  it('keeps a document without headings as one section', () => {
    const b = book('Just a paragraph.\n\nAnd another.\n')
    expect(b.sections).toHaveLength(1)
    expect(b.meta.title).toBe('test')
  })

  it('gives stable ids and unique slugs', () => {
    const b = book('# T\n\n## Intro\n\na\n\n## Intro\n\nb\n\n## 中文 标题！\n\nc\n')
    expect(b.sections.map((s) => s.slug)).toEqual(['intro', 'intro-2', '中文-标题'])
    expect(book('# T\n\n## Intro\n\na\n\n## Intro\n\nb\n\n## 中文 标题！\n\nc\n').sections.map((s) => s.id)).toEqual(['s01', 's02', 's03'])
    expect(slugify('“辞旧迎新”，重回正轨')).toBe('辞旧迎新-重回正轨')
  })
})

describe('speaker turns', () => {
  const turns = (markdown: string) =>
    book(`# T\n\n## S\n\n${markdown}\n\n## S2\n\nx\n`).sections[0]!.nodes.filter((n): n is Paragraph => n.type === 'paragraph')

  it('takes a bold label ending in a colon, CJK or Latin, and removes it from the text', () => {
    const [a, b, c] = turns('**王毅：**面对世纪疫情。\n\n**Reporter:** How are you?\n\n**林素秋**：谢谢。')
    expect(a!.data?.speaker).toEqual({name: '王毅', label: '王毅：'})
    expect(toString(a!)).toBe('面对世纪疫情。')
    expect(b!.data?.speaker).toEqual({name: 'Reporter', label: 'Reporter:'})
    expect(toString(b!)).toBe('How are you?')
    expect(c!.data?.speaker).toEqual({name: '林素秋', label: '林素秋：'})
    expect(toString(c!)).toBe('谢谢。')
  })

  it('leaves bold text without a colon, and bold text later in a paragraph, alone', () => {
    const [a, b] = turns('**重要** 的事情。\n\n他说：**不**。')
    expect(a!.data?.speaker).toBeUndefined()
    expect(b!.data?.speaker).toBeUndefined()
  })

  it('lists speakers per section and for the book in order of appearance', () => {
    const b = book('# T\n\n## A\n\n**甲：**问。\n\n**乙：**答。\n\n## B\n\n**丙：**问。\n\n**乙：**答。\n')
    expect(b.sections.map((s) => s.speakers)).toEqual([['甲', '乙'], ['丙', '乙']])
    expect(b.speakers).toEqual(['甲', '乙', '丙'])
  })
})

describe('soft line breaks', () => {
  const text = (markdown: string) => toString(book(markdown).sections[0]!.nodes[0]!)

  it('joins CJK lines without a space', () => {
    expect(text('借期从三十天延长到\n四十五天。')).toBe('借期从三十天延长到四十五天。')
  })

  it('joins Latin lines with one space, and mixed scripts with a space', () => {
    expect(text('wraps across\nlines')).toBe('wraps across lines')
    expect(text('中文\nEnglish')).toBe('中文 English')
  })

  it('looks across inline markup', () => {
    expect(text('这是**强调**\n的续行。')).toBe('这是强调的续行。')
  })

  it('keeps Korean word spaces', () => {
    expect(text('한국어\n문장')).toBe('한국어 문장')
  })
})

describe('language detection', () => {
  it('tells simplified and traditional Chinese, Japanese, Korean and English apart', () => {
    expect(detectLanguage('这是一个关于图书馆的问题，我们会认真对待每一位读者的意见和建议。')).toBe('zh-CN')
    expect(detectLanguage('這是一個關於圖書館的問題，我們會認真對待每一位讀者的意見和建議。')).toBe('zh-TW')
    expect(detectLanguage('これは図書館についての質問です。私たちはすべての読者の意見を大切にします。')).toBe('ja')
    expect(detectLanguage('이것은 도서관에 관한 질문입니다. 우리는 모든 독자의 의견을 소중히 생각합니다.')).toBe('ko')
    expect(detectLanguage('The library opens at eight in the morning and closes at ten in the evening every day.')).toBe('en')
  })
})

describe.skipIf(!have(sample, 'the press-conference sample'))('the sample', () => {
  it('has its title, subtitle, eleven ### sections, zh-CN and its speakers', () => {
    const {book: b} = loadManuscript(sample)
    expect(b.meta.title).toMatch(/^让多边主义/)
    expect(b.meta.subtitle).toMatch(/^国务委员兼外交部长/)
    expect(b.meta.language).toBe('zh-CN')
    expect(b.sections).toHaveLength(11)
    expect(b.sections.every((s) => s.depth === 3)).toBe(true)
    expect(b.sections.every((s) => s.speakers.length === 2 && s.speakers[1] === '王毅')).toBe(true)
  })
})

describe('a lone ## followed by text', () => {
  it('is a chapter, not a subtitle', () => {
    const b = book('# Book\n\n## One\n\nThe only chapter has some text in it.\n')
    expect(b.meta.subtitle).toBeUndefined()
    expect(b.sections.map((s) => s.title)).toEqual(['One'])
  })

  it('leaves the language undetermined when there is too little Latin text to tell', () => {
    expect(book('# Hi\n\nHello world.\n').meta.language).toBe('und')
  })
})

describe('local files a manuscript names', () => {
  it('treats a name that merely starts with .. as inside, and ../ as outside', async () => {
    const {isInside, locateLocalFile} = await import('../../src/util/local-file.js')
    expect(isInside('/books/a', '/books/a/..notes.png')).toBe(true)
    expect(isInside('/books/a', '/books/a/../b.png')).toBe(false)
    expect(locateLocalFile('https://example.org/x.png', '/books/a')).toMatchObject({ok: false, code: 'image-remote'})
    expect(locateLocalFile('file:///etc/passwd', '/books/a')).toMatchObject({ok: false, code: 'image-scheme'})
    expect(locateLocalFile('.', '/tmp')).toMatchObject({ok: false, code: 'image-missing'})
  })
})
