/** The speech script: what is spoken, in which order, under which stable ids, by which voice. */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadManuscript, loadText} from '../../../src/load.js'
import {bookScript, spokenBlocks} from '../../../src/render/audio/index.js'
import {espeakLine, parseEspeakVoice} from '../../../src/render/audio/espeak.js'
import {planVoices} from '../../../src/render/audio/voices.js'
import {defaults} from '../../../src/config.js'
import {fixtures} from '../../support/paths.js'

const interview = path.join(fixtures, 'example/interview.md')

describe('spokenBlocks', () => {
  const {book} = loadManuscript(interview)

  it('speaks the title, then paragraphs and quotes in order, with stable ids', () => {
    const blocks = spokenBlocks(book.sections[0]!, book)
    expect(blocks[0]).toMatchObject({id: 's01-t', kind: 'title', text: '新馆为什么选在老城区'})
    expect(blocks.slice(1).map((b) => b.id)).toEqual(['s01-p1', 's01-p2', 's01-p3', 's01-p4', 's01-p5'])
    // Same ids on a second walk (the EPUB side recomputes them).
    expect(spokenBlocks(book.sections[0]!, book).map((b) => b.id)).toEqual(blocks.map((b) => b.id))
    const quote = spokenBlocks(book.sections[2]!, book).at(-1)!
    expect(quote.text).toMatch(/^图书馆不是藏书的仓库/)
  })

  it('never reads the speaker label, and carries the speaker to continuation paragraphs', () => {
    const blocks = spokenBlocks(book.sections[0]!, book)
    expect(blocks[1]).toMatchObject({speaker: '城南晚报记者'})
    expect(blocks[1]!.text.startsWith('新馆为什么')).toBe(true)
    expect(blocks[3]).toMatchObject({speaker: '林素秋'}) // the unlabelled paragraph after 林素秋's turn
    for (const b of bookScript(book).flatMap((s) => s.blocks)) expect(b.text).not.toMatch(/^(林素秋|城南晚报记者|Reporter)[:：]/)
  })

  it('reads URLs as host names and drops emoji and arrows', () => {
    const md = ['# 书', '', '## 一', '', '详见 <https://www.example.org/a/b?c=1> 或 http://gov.cn/x ✅ → 完。', '', '## 二', '', '好。', ''].join('\n')
    const {book: b} = loadText(md, '/tmp/y.md')
    const blocks = spokenBlocks(b.sections[0]!, b)
    expect(blocks[1]!.text).toBe('详见 example.org 或 gov.cn 完。')
  })

  it('reads links as text, lists and table rows as blocks, and summarises or skips code', () => {
    const md = [
      '# 书', '', '## 一', '',
      '请看[官方网站](https://example.com)的说明[^1]。![图](x.png)', '',
      '- 第一项', '- 第二项', '', '| 名称 | 数量 |', '| --- | --- |', '| 苹果 | 3 |', '',
      '```js', 'const a = 1 <= 2;', 'console.log(a)', '```', '', '## 二', '', '好。', '', '[^1]: 注释。', ''
    ].join('\n')
    const {book: b} = loadText(md, '/tmp/x.md')
    const section = b.sections.find((s) => s.title === '一')!
    const skipped = {images: 0, code: 0, footnotes: 0, html: 0}
    const blocks = spokenBlocks(section, b, {code: 'summary'}, skipped)
    const sid = section.id
    expect(blocks.map((x) => x.id)).toEqual([`${sid}-t`, `${sid}-p1`, `${sid}-li1`, `${sid}-li2`, `${sid}-tr1`, `${sid}-tr2`, `${sid}-c1`])
    expect(blocks[1]!.text).toBe('请看官方网站的说明。')
    expect(blocks[4]!.text).toBe('名称，数量')
    expect(blocks[6]!.text).toBe('此处有一段 js 代码，共 2 行。')
    expect(blocks.map((x) => x.text).join()).not.toMatch(/console|<=|https|\[\^1\]/)
    expect(skipped).toEqual({images: 1, code: 1, footnotes: 1, html: 0})
    expect(spokenBlocks(section, b, {code: 'skip'}).map((x) => x.id)).not.toContain(`${sid}-c1`)
  })
})

describe('voices', () => {
  it('gives reporters one voice and alternates the others, per engine', () => {
    const plan = planVoices(defaults.audio, 'zh-CN', ['城南晚报记者', '林素秋', '广播电台记者', 'Reporter', '王毅', '张三'])
    expect(plan.assignments['城南晚报记者']!.voice).toBe(plan.assignments['广播电台记者']!.voice)
    expect(plan.assignments['Reporter']!.voice).toBe(plan.assignments['广播电台记者']!.voice)
    expect(plan.assignments['林素秋']!.voice).not.toBe(plan.assignments['城南晚报记者']!.voice)
    expect(plan.assignments['王毅']!.voice).not.toBe(plan.assignments['林素秋']!.voice)
    expect(plan.narrator.voice).toBe('cmn')
    const edge = planVoices({...defaults.audio, engine: 'edge'}, 'zh-CN', ['塔斯社记者', '王毅'])
    expect(edge.assignments).toMatchObject({塔斯社记者: {voice: 'zh-CN-XiaoxiaoNeural'}, 王毅: {voice: 'zh-CN-YunxiNeural'}})
  })

  it('honours the voices map, book-level settings and the narrator entry', () => {
    const audio = {...defaults.audio, rate: '+10%', voices: {王毅: {voice: 'cmn+m1', pitch: '-5Hz'}, narrator: 'cmn+f1'}}
    const plan = planVoices(audio, 'zh-CN', ['王毅'])
    expect(plan.assignments['王毅']).toEqual({voice: 'cmn+m1', rate: '+10%', pitch: '-5Hz'})
    expect(plan.forSpeaker(undefined)).toEqual({voice: 'cmn+f1', rate: '+10%'})
  })

  it('writes eSpeak SSML with voice variants, prosody and escaping', () => {
    expect(parseEspeakVoice('cmn+f2')).toEqual({name: 'cmn', gender: 'female', variant: 2})
    const line = espeakLine('A<B & “C”', {voice: 'cmn+m3', rate: '+10%'}, 'zh-CN')
    expect(line).toBe('<speak xml:lang="zh-CN"><voice name="en-us" gender="male" variant="3"><prosody rate="+10%">A&lt;B &amp; “C”</prosody></voice></speak>')
    expect(espeakLine('你好', {voice: 'cmn'}, 'zh-CN')).toContain('<voice name="cmn">你好</voice>')
  })
})
