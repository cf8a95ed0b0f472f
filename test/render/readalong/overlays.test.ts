/** Clip arithmetic and SMIL text, without synthesis: contiguous clips, unmatched blocks, clock values. */
import {describe, expect, it} from 'vitest'
import type {Section} from '../../../src/book/types.js'
import type {SectionFile} from '../../../src/render/audio/index.js'
import type {Chapter} from '../../../src/render/epub/chapters.js'
import {narrate, parsFor} from '../../../src/render/readalong/overlays.js'
import {clock, parseClock, smilDocument} from '../../../src/render/readalong/smil.js'
import type {Warning} from '../../../src/report.js'

const section = {id: 's01', index: 1, slug: 'one', title: 'One', titleNodes: [], depth: 1, line: 3, nodes: [], speakers: []} as unknown as Section

function chapter(ids: string[]): Chapter {
  return {section, file: 's01.xhtml', body: '', spoken: new Map(ids.map((id) => [id, id]))}
}

const audio: SectionFile = {
  section,
  file: '01-one.mp3',
  bytes: new Uint8Array([1, 2, 3]),
  durationMs: 10_000,
  blocks: [
    {id: 's01-t', startMs: 50, endMs: 900},
    {id: 's01-p1', startMs: 1800, endMs: 4000},
    {id: 's01-p2', startMs: 4450, endMs: 7000},
    {id: 's01-p3', startMs: 7450, endMs: 9500}
  ]
}

describe('parsFor', () => {
  it('makes contiguous clips from 0 to the end of the file, each starting at its speech onset', () => {
    const warnings: Omit<Warning, 'stage'>[] = []
    const pars = parsFor(chapter(['s01-t', 's01-p1', 's01-p2', 's01-p3']), audio, (w) => warnings.push(w))
    expect(pars).toEqual([
      {elementId: 's01-t', beginMs: 0, endMs: 1800},
      {elementId: 's01-p1', beginMs: 1800, endMs: 4450},
      {elementId: 's01-p2', beginMs: 4450, endMs: 7450},
      {elementId: 's01-p3', beginMs: 7450, endMs: 10_000}
    ])
    expect(warnings).toEqual([])
  })

  it('hears a block without an element under the previous par, and says so', () => {
    const warnings: Omit<Warning, 'stage'>[] = []
    const pars = parsFor(chapter(['s01-t', 's01-p1', 's01-p3']), audio, (w) => warnings.push(w))
    expect(pars.map((p) => [p.elementId, p.beginMs, p.endMs])).toEqual([
      ['s01-t', 0, 1800],
      ['s01-p1', 1800, 7450],
      ['s01-p3', 7450, 10_000]
    ])
    expect(warnings).toEqual([expect.objectContaining({code: 'readalong-unmatched', message: expect.stringContaining('s01-p2')})])
  })

  it('uses the id the element finally got (renamed on a clash with a user id)', () => {
    const renamed: Chapter = {...chapter([]), spoken: new Map([['s01-t', 's01-t'], ['s01-p1', 's01-p1-2'], ['s01-p2', 's01-p2'], ['s01-p3', 's01-p3']])}
    expect(parsFor(renamed, audio, () => {})[1]!.elementId).toBe('s01-p1-2')
  })
})

describe('narrate', () => {
  it('lists audio and SMIL, links the document to its overlay, and totals the durations', () => {
    const other: SectionFile = {...audio, section: {...section, id: 's02'} as Section, durationMs: 2_500, blocks: [{id: 's02-p1', startMs: 50, endMs: 2000}]}
    const chapters = [chapter(['s01-t', 's01-p1', 's01-p2', 's01-p3']), {...chapter([]), section: other.section, file: 's02.xhtml', spoken: new Map([['s02-p1', 's02-p1']])}]
    const result = narrate(chapters, [audio, other], () => {})
    expect(result.files.map((f) => [f.id, f.href, f.mediaType])).toEqual([
      ['audio-s01', 'audio/s01.mp3', 'audio/mpeg'],
      ['mo-s01', 's01.smil', 'application/smil+xml'],
      ['audio-s02', 'audio/s02.mp3', 'audio/mpeg'],
      ['mo-s02', 's02.smil', 'application/smil+xml']
    ])
    expect([...result.overlayOf]).toEqual([['s01.xhtml', 'mo-s01'], ['s02.xhtml', 'mo-s02']])
    expect(result.metadata.durations).toEqual([{id: 'mo-s01', duration: '0:00:10.000'}, {id: 'mo-s02', duration: '0:00:02.500'}])
    expect(result.metadata.total).toBe('0:00:12.500')
  })

  it('gives a chapter without audio no overlay', () => {
    const result = narrate([chapter(['s01-t'])], [], () => {})
    expect(result.files).toEqual([])
    expect(result.overlayOf.size).toBe(0)
    expect(result.metadata.total).toBe('0:00:00.000')
  })
})

describe('SMIL', () => {
  it('writes clock values with millisecond precision and reads them back', () => {
    expect(clock(0)).toBe('0:00:00.000')
    expect(clock(61_005)).toBe('0:01:01.005')
    expect(clock(3_723_450.4)).toBe('1:02:03.450')
    for (const ms of [0, 999, 61_005, 3_723_450]) expect(parseClock(clock(ms))).toBe(ms)
    expect(parseClock('12.5s')).toBe(12_500)
    expect(parseClock('01:02.5')).toBe(62_500)
    expect(() => parseClock('soon')).toThrow(/clock value/)
  })

  it('writes one par per element, text before audio, escaped', () => {
    const smil = smilDocument('s01.xhtml', 'imprint-chapter-s01', 'audio/s01.mp3', [{elementId: 'a&b', beginMs: 0, endMs: 1500}])
    expect(smil).toContain('<seq id="seq-imprint-chapter-s01" epub:textref="s01.xhtml#imprint-chapter-s01">')
    expect(smil).toContain('<par id="par-a&amp;b"><text src="s01.xhtml#a&amp;b"/><audio src="audio/s01.mp3" clipBegin="0:00:00.000" clipEnd="0:00:01.500"/></par>')
    expect(smil.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<smil xmlns="http://www.w3.org/ns/SMIL"')).toBe(true)
  })
})
