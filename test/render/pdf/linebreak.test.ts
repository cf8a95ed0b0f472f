import {describe, expect, it} from 'vitest'
import {bundledFaces} from '../../../src/fonts/index.js'
import {
  NO_LINE_END,
  NO_LINE_START,
  breakLines,
  canBreakBetween,
  justifySpacing,
  wordSpacing,
  type Piece
} from '../../../src/render/pdf/linebreak.js'

const serif = bundledFaces()[0]!
const piece = (text: string, fontSize = 10): Piece<null> => ({text, face: serif, fontSize, style: null})
const cp = (c: string) => c.codePointAt(0)!
const lineText = (line: {runs: {text: string}[]}) => line.runs.map((r) => r.text).join('')

/** Deterministic pseudo-random CJK prose with dense punctuation. */
function prose(length: number, seed = 7): string {
  const han = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经'
  const marks = ['，', '。', '、', '；', '：', '！', '？', '）', '」', '』', '》', '…', '（', '「', '『', '《', '——']
  let state = seed
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
  let out = ''
  while (out.length < length) {
    const r = next()
    if (r < 0.25) {
      const mark = marks[Math.floor(next() * marks.length)]!
      // Opening marks come before text, closing ones after: like real prose.
      out += NO_LINE_END.has(mark[0]!) ? mark + han[Math.floor(next() * han.length)] : mark
    } else out += han[Math.floor(next() * han.length)]
  }
  return out
}

describe('break chances', () => {
  it('forbid closing punctuation at a line start and opening punctuation at a line end', () => {
    expect(canBreakBetween(cp('中'), cp('文'))).toBe(true)
    for (const mark of '，。、；：！？）」』》〉…') expect(canBreakBetween(cp('中'), cp(mark)), mark).toBe(false)
    for (const mark of '（「『《〈') expect(canBreakBetween(cp(mark), cp('中')), mark).toBe(false)
    expect(canBreakBetween(cp('—'), cp('—'))).toBe(false)
    expect(canBreakBetween(cp('a'), cp('b'))).toBe(false)
    expect(canBreakBetween(cp('-'), cp('b'))).toBe(false)
    expect(canBreakBetween(cp('/'), cp('b'))).toBe(true)
    expect(canBreakBetween(cp('.'), cp('o'))).toBe(true)
    expect(canBreakBetween(cp('.'), cp('1'))).toBe(false)
    expect(canBreakBetween(cp(' '), cp('b'))).toBe(true)
    expect(canBreakBetween(cp('a'), cp('中'))).toBe(true)
  })
})

describe('breakLines', () => {
  it('keeps every line inside the measure and obeys the punctuation rules', () => {
    const measure = 10 * 23.5
    const lines = breakLines([piece(prose(20000))], {measure, firstLineIndent: 20})
    expect(lines.length).toBeGreaterThan(700)
    lines.forEach((line, index) => {
      const text = lineText(line)
      expect(line.width, text).toBeLessThanOrEqual(line.measure + 0.01)
      if (index > 0) expect(NO_LINE_START.has([...text][0]!), `line ${index} starts with ${text[0]}`).toBe(false)
      if (index < lines.length - 1) expect(NO_LINE_END.has([...text].at(-1)!), `line ${index} ends with ${text.at(-1)}`).toBe(false)
    })
    expect(lines.map(lineText).join('')).toBe(prose(20000))
  })

  it('gives full lines the spacing that fills the measure; the last line stays ragged', () => {
    const lines = breakLines([piece(prose(3000, 3))], {measure: 241.3})
    for (const line of lines.slice(0, -1)) {
      const spacing = justifySpacing(line)
      expect(line.width + spacing * line.gaps).toBeCloseTo(line.measure, 6)
    }
    expect(lines.at(-1)!.ragged).toBe(true)
    expect(justifySpacing(lines.at(-1)!)).toBe(0)
  })

  it('puts the slack of Latin lines between words', () => {
    const lines = breakLines([piece('The quick brown fox jumps over the lazy dog and keeps running far away. '.repeat(8))], {measure: 200})
    const full = lines[0]!
    const gap = wordSpacing(full)!
    expect(gap).toBeGreaterThan(0)
    const spaces = [...lineText(full)].filter((c) => c === ' ').length
    expect(full.width + gap * spaces).toBeCloseTo(full.measure, 6)
    expect(lineText(full).endsWith(' ')).toBe(false)
  })

  it('cuts an over-long word or URL rather than overflowing', () => {
    const url = 'https://example.org/' + 'abcdefghij'.repeat(30)
    const lines = breakLines([piece(`见 ${url} 。`)], {measure: 150})
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(150.01)
    expect(lines.map(lineText).join('').replace(/ /g, '')).toBe(`见${url}。`)
  })

  it('ends lines at hard breaks, leaving them ragged', () => {
    const lines = breakLines([piece('第一行'), {...piece(''), hardBreak: true}, piece('第二行')], {measure: 300})
    expect(lines.map(lineText)).toEqual(['第一行', '第二行'])
    expect(lines.every((l) => l.ragged)).toBe(true)
  })

  it('breaks a million CJK characters in one paragraph in linear time', () => {
    const text = prose(1_000_000, 11)
    const started = performance.now()
    const lines = breakLines([piece(text, 10.5)], {measure: 323.5, firstLineIndent: 21})
    const ms = performance.now() - started
    expect(lines.length).toBeGreaterThan(30000)
    expect(ms).toBeLessThan(15000)
  }, 30000)
})
