import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  FONTS_DIR,
  bundledFaces,
  charactersByFace,
  coverage,
  fallbackChain,
  openFont,
  shapedWidthEm,
  splitRuns,
  subsetFace,
  userFaces
} from '../../../src/fonts/index.js'
import {create as fontkitCreate} from 'fontkit'
import {plainRun} from '../../../src/render/pdf/fastshape.js'

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/example/interview.md')

describe('bundled fonts', () => {
  const faces = bundledFaces()

  it('ships serif and sans CJK faces in regular and bold, and a mono face', () => {
    expect(faces.map((f) => f.key)).toEqual(['serif-regular', 'serif-bold', 'sans-regular', 'sans-bold', 'mono-regular'])
  })

  it('are TrueType-outline (glyf) builds of reasonable size, with their OFL licence beside them', () => {
    for (const face of faces) {
      const font = openFont(face.file)
      expect(font.directory.tables, face.file).toHaveProperty('glyf')
      expect(font.directory.tables, face.file).not.toHaveProperty('CFF ')
      expect(fs.statSync(face.file).size).toBeLessThan(16 * 1024 * 1024)
      const licence = fs.readFileSync(face.license!, 'utf8')
      expect(licence).toContain('SIL OPEN FONT LICENSE Version 1.1')
      expect(licence).toContain('TERMINATION')
    }
  })

  it('reports glyph coverage per face', () => {
    const [serif, , , , mono] = faces
    expect(coverage(serif!, '中')).toBe(true)
    expect(coverage(serif!, 'あ')).toBe(true)
    expect(coverage(mono!, 'x')).toBe(true)
    expect(coverage(mono!, '中')).toBe(false)
    expect(coverage(serif!, '😀')).toBe(false)
  })
})

describe('fallback chains and runs', () => {
  const faces = bundledFaces()

  it('puts the primary face first, then the other bundled faces, user faces last', () => {
    const user = {...faces[4]!, key: 'user-1', role: 'user' as const, bundled: false}
    const serifBold = fallbackChain([...faces, user], 'serif', 'bold').faces.map((f) => f.key)
    expect(serifBold[0]).toBe('serif-bold')
    expect(serifBold[1]).toBe('sans-bold')
    expect(serifBold.at(-1)).toBe('user-1')
    const mono = fallbackChain(faces, 'mono', 'regular').faces.map((f) => f.key)
    expect(mono.slice(0, 2)).toEqual(['mono-regular', 'sans-regular'])
  })

  it('splits text into runs by coverage, keeping spaces in the current run', () => {
    const chain = fallbackChain(faces, 'mono', 'regular')
    const runs = splitRuns('let 标题 = 1;', chain).map((r) => [r.text, r.face?.key ?? null])
    expect(runs).toEqual([
      ['let ', 'mono-regular'],
      ['标题', 'sans-regular'],
      [' = 1;', 'mono-regular']
    ])
  })

  it('marks characters no face covers and drops uncovered invisible ones', () => {
    const chain = fallbackChain(faces, 'serif', 'regular')
    const runs = splitRuns('好😀\u200d字', chain)
    expect(runs.map((r) => [r.text, r.face?.key ?? null])).toEqual([
      ['好', 'serif-regular'],
      ['😀', null],
      ['字', 'serif-regular']
    ])
  })

  it('tells which characters each face draws, and subsets a face to them', () => {
    const chain = fallbackChain(faces, 'mono', 'regular')
    const {byFace, missing} = charactersByFace('fn 名字() 😀', chain)
    const keys = new Map([...byFace].map(([face, chars]) => [face.key, String.fromCodePoint(...[...chars].sort((a, b) => a - b))]))
    expect(keys.get('mono-regular')).toBe(' ()fn')
    expect(keys.get('sans-regular')).toBe('名字'.split('').sort().join(''))
    expect([...missing]).toEqual([0x1f600])
    const subset = subsetFace(faces[2]!, byFace.get(faces[2]!)!)
    expect(subset.length).toBeLessThan(20000)
    const font = fontkitCreate(subset)
    expect(font.numGlyphs).toBe(3) // .notdef + two ideographs
  })

  it('reads user fonts from the config and reports unreadable ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-fonts-'))
    fs.copyFileSync(path.join(FONTS_DIR, 'SourceCodePro-Regular.ttf'), path.join(dir, 'Mine.ttf'))
    fs.writeFileSync(path.join(dir, 'broken.ttf'), 'not a font')
    const {faces: user, problems} = userFaces(['Mine.ttf', 'broken.ttf', 'notes.txt'], dir, path.join(dir, 'no-such-folder'))
    expect(user).toHaveLength(1)
    expect(user[0]).toMatchObject({role: 'user', family: 'Source Code Pro', bundled: false})
    expect(problems.map((p) => path.basename(p.file))).toEqual(['broken.ttf', 'notes.txt'])
  })
})

describe('measuring without shaping', () => {
  const faces = bundledFaces()
  const text = fs.readFileSync(FIXTURE, 'utf8')
  const lines = text.split('\n').filter((l) => l.trim())

  it('gives the widths PDFKit computes by shaping word by word', () => {
    const mixed = [...lines, 'Rust 的 ファイル処理 and “引号”（括号）…… fi ff AV']
    for (const face of faces) {
      const font = openFont(face.file)
      for (const line of mixed) {
        const shaped = line.split(/(?<=[ \t])/).reduce((sum, word) => sum + font.layout(word).advanceWidth / font.unitsPerEm, 0)
        expect(shapedWidthEm(face, line)).toBeCloseTo(shaped, 6)
      }
    }
  })

  it('produces the same glyphs and advances as fontkit shaping for Han text (the PDFKit shortcut)', () => {
    // The ESM fontkit instance imprint opens is never patched: it is the reference.
    const hanRuns = text.match(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]+/g) ?? []
    expect(hanRuns.length).toBeGreaterThan(20)
    for (const face of faces.filter((f) => f.role !== 'mono')) {
      const font = openFont(face.file)
      for (const run of hanRuns) {
        const shaped = font.layout(run)
        const plain = plainRun(font as never, run)!
        expect(plain.glyphs.map((g) => g.id)).toEqual(shaped.glyphs.map((g) => g.id))
        expect(plain.advanceWidth).toBe(shaped.advanceWidth)
      }
    }
    expect(plainRun(openFont(faces[0]!.file) as never, 'abc')).toBeUndefined()
  })
})
