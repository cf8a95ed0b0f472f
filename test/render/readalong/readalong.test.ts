/**
 * The read-along EPUB end to end: real eSpeak NG synthesis (shared cache), the EPUB edition's
 * code with Media Overlays, checked with EPUBCheck, ffprobe and ffmpeg against the real audio.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {strFromU8, unzipSync} from 'fflate'
import {EpubParsePromise, getAllMediaOverlays} from 'r2-shared-js/dist/es8-es2017/src/parser/epub.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {build} from '../../../src/build.js'
import {loadManuscript} from '../../../src/load.js'
import {spokenBlocks} from '../../../src/render/audio/index.js'
import {renderEpub} from '../../../src/render/epub/index.js'
import {renderReadAlong} from '../../../src/render/readalong/index.js'
import {ACTIVE_CLASS} from '../../../src/render/readalong/overlays.js'
import {parseClock} from '../../../src/render/readalong/smil.js'
import type {BuildReport} from '../../../src/report.js'
import {loadText} from '../../../src/load.js'
import {fixtures, have, sample} from '../../support/paths.js'
import {startFakeEdge, type FakeEdge} from '../audio/fake-edge.js'
import {epubcheckAll, requireEpubcheck, type CheckResult} from '../epub/support.js'

const interview = path.join(fixtures, 'example/interview.md')
const constructs = path.join(fixtures, 'constructs/constructs.md')
const hasSample = have(sample, 'the press-conference sample (../shared/samples)')
const EPOCH = '1700000000'

function tool(command: string, args: string[], apt: string, binary = false): string | Buffer {
  try {
    return execFileSync(command, args, {encoding: binary ? 'buffer' : 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20})
  } catch (error) {
    const e = error as NodeJS.ErrnoException & {stderr?: string}
    if (e.code === 'ENOENT') throw new Error(`${command} is missing: install the apt package ${apt}`)
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`)
  }
}

const probeMs = (file: string) =>
  Number(tool('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], 'ffmpeg')) * 1000

interface ParEntry {
  id: string
  textFile: string
  fragment: string
  audio: string
  beginMs: number
  endMs: number
}

interface Opened {
  file: string
  entries: Record<string, Uint8Array>
  text(name: string): string
  opf: string
  /** manifest id → href */
  hrefs: Map<string, string>
  overlays: {doc: string; smil: string; pars: ParEntry[]; textref: string}[]
}

function open(file: string): Opened {
  const entries = unzipSync(new Uint8Array(fs.readFileSync(file)))
  const text = (name: string) => {
    const data = entries[name]
    if (!data) throw new Error(`no ${name} in ${file}`)
    return strFromU8(data)
  }
  const opf = text('OEBPS/content.opf')
  const items = [...opf.matchAll(/<item ([^>]*)\/>/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])))
  const hrefs = new Map(items.map((item) => [item.id!, item.href!]))
  const overlays = items
    .filter((item) => item['media-overlay'])
    .map((item) => {
      const smil = hrefs.get(item['media-overlay']!)!
      const source = text(`OEBPS/${smil}`)
      const pars = [...source.matchAll(/<par id="([^"]+)"><text src="([^"#]+)#([^"]+)"\/><audio src="([^"]+)" clipBegin="([^"]+)" clipEnd="([^"]+)"\/><\/par>/g)].map(
        (m) => ({id: m[1]!, textFile: m[2]!, fragment: m[3]!, audio: m[4]!, beginMs: parseClock(m[5]!), endMs: parseClock(m[6]!)})
      )
      expect(source.match(/<par\b/g)?.length).toBe(pars.length)
      const textref = /<seq [^>]*epub:textref="([^"]+)"/.exec(source)?.[1] ?? ''
      return {doc: item.href!, smil, pars, textref}
    })
  return {file, entries, text, opf, hrefs, overlays}
}

const idsIn = (xhtml: string) => [...xhtml.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!)

/** Every spoken block has exactly one element and one <par>, in reading order; every reference resolves. */
function checkStructure(epub: Opened, manuscript: string): void {
  const {book} = loadManuscript(manuscript)
  const byDoc = new Map(epub.overlays.map((o) => [o.doc, o]))
  let spoken = 0
  for (const section of book.sections) {
    const blocks = spokenBlocks(section, book)
    const doc = `${section.id}.xhtml`
    const xhtml = epub.text(`OEBPS/${doc}`)
    const ids = idsIn(xhtml)
    if (blocks.length === 0) {
      expect(byDoc.has(doc), `${doc} has nothing to speak`).toBe(false)
      continue
    }
    const overlay = byDoc.get(doc)
    expect(overlay, `${doc} has a media overlay`).toBeDefined()
    for (const block of blocks) expect(ids.filter((id) => id === block.id), `${doc}: id ${block.id}`).toHaveLength(1)
    // Same blocks, same order, in the SMIL as in the speech script and in the document.
    expect(overlay!.pars.map((p) => p.fragment)).toEqual(blocks.map((b) => b.id))
    expect(ids.filter((id) => blocks.some((b) => b.id === id))).toEqual(blocks.map((b) => b.id))
    for (const par of overlay!.pars) {
      expect(par.textFile).toBe(doc)
      expect(epub.entries[`OEBPS/${par.audio}`], par.audio).toBeDefined()
    }
    const [textFile, fragment] = overlay!.textref.split('#')
    expect(textFile).toBe(doc)
    expect(ids).toContain(fragment)
    spoken += blocks.length
  }
  expect(spoken).toBeGreaterThan(0)

  // Package metadata: media-overlay items are SMIL, durations per overlay and in total, the active class.
  for (const overlay of epub.overlays) expect(epub.opf).toContain(`href="${overlay.smil}" media-type="application/smil+xml"`)
  const durations = [...epub.opf.matchAll(/<meta property="media:duration" refines="#([^"]+)">([^<]+)<\/meta>/g)]
  expect(durations).toHaveLength(epub.overlays.length)
  const total = /<meta property="media:duration">([^<]+)<\/meta>/.exec(epub.opf)?.[1]
  expect(parseClock(total!)).toBe(durations.reduce((sum, m) => sum + parseClock(m[2]!), 0))
  expect(epub.opf).toContain(`<meta property="media:active-class">${ACTIVE_CLASS}</meta>`)
  expect(epub.text('OEBPS/epub.css')).toMatch(new RegExp(`\\.${ACTIVE_CLASS}\\s*\\{[^}]*background-color`))
}

/** The clips of each file run from 0 to its end without gaps; their total is ffprobe's duration. */
function checkDurations(epub: Opened, dir: string): {file: string; smilMs: number; probeMs: number}[] {
  const rows: {file: string; smilMs: number; probeMs: number}[] = []
  const durations = new Map([...epub.opf.matchAll(/<meta property="media:duration" refines="#([^"]+)">([^<]+)<\/meta>/g)].map((m) => [epub.hrefs.get(m[1]!)!, parseClock(m[2]!)]))
  for (const overlay of epub.overlays) {
    const audio = [...new Set(overlay.pars.map((p) => p.audio))]
    expect(audio).toHaveLength(1)
    const mp3 = path.join(dir, path.basename(epub.file) + '-' + path.basename(audio[0]!))
    fs.writeFileSync(mp3, epub.entries[`OEBPS/${audio[0]}`]!)
    const measured = probeMs(mp3)
    let at = 0
    let sum = 0
    for (const par of overlay.pars) {
      expect(par.beginMs).toBe(at)
      expect(par.endMs).toBeGreaterThan(par.beginMs)
      sum += par.endMs - par.beginMs
      at = par.endMs
    }
    expect(Math.abs(sum - measured), `${overlay.smil}: clips ${sum} ms vs ffprobe ${measured.toFixed(1)} ms`).toBeLessThan(50)
    expect(durations.get(overlay.smil)).toBe(sum)
    rows.push({file: overlay.smil, smilMs: sum, probeMs: measured})
  }
  return rows
}

let work: string
let cache: string
const saved = process.env.SOURCE_DATE_EPOCH
let reports: Record<string, BuildReport>
let checks: Map<string, CheckResult>
let edge: FakeEdge | undefined

async function buildOne(manuscript: string, out: string, formats: ('audio' | 'readalong' | 'epub')[], audio: Record<string, unknown> = {}) {
  const [report] = await build([manuscript], {options: {out, formats, audio: {cache, ...audio}} as never})
  if (!report!.ok) throw new Error(`build failed: ${JSON.stringify(report!.editions)}`)
  return report!
}

beforeAll(async () => {
  requireEpubcheck()
  process.env.SOURCE_DATE_EPOCH = EPOCH
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-readalong-'))
  cache = path.join(work, 'cache')
  reports = {
    // Audio first (as --readalong orders it): the read-along then takes the audio from the cache.
    interview: await buildOne(interview, path.join(work, 'a'), ['audio', 'readalong']),
    // Read-along alone (`--formats readalong`) synthesizes what it needs itself.
    constructs: await buildOne(constructs, path.join(work, 'c'), ['readalong'])
  }
  // The online engine, against a local stand-in of the service: timings from its word boundaries.
  edge = await startFakeEdge()
  reports.edge = await buildOne(interview, path.join(work, 'e'), ['readalong'], {engine: 'edge', endpoint: edge.endpoint, cache: path.join(work, 'edge-cache')})
  if (hasSample) reports.sample = await buildOne(sample, path.join(work, 's'), ['readalong'])
  checks = await epubcheckAll(Object.values(reports).map((r) => r.outputs.readalong!))
}, 90_000)

afterAll(async () => {
  await edge?.close()
  if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH
  else process.env.SOURCE_DATE_EPOCH = saved
  fs.rmSync(work, {recursive: true, force: true})
})

describe('read-along EPUB of the interview and the constructs fixture', () => {
  it('is written as <name>.readalong.epub and EPUBCheck reports nothing', () => {
    expect(reports.interview!.outputs.readalong).toBe(path.join(work, 'a', 'interview.readalong.epub'))
    expect(reports.constructs!.outputs.readalong).toBe(path.join(work, 'c', 'constructs.readalong.epub'))
    for (const name of ['interview', 'constructs']) {
      const check = checks.get(reports[name]!.outputs.readalong!)!
      expect(check, `${name}:\n${check.output}`).toMatchObject({status: 0, fatals: 0, errors: 0, warnings: 0})
    }
  })

  it('tags every spoken block once and gives it a <par> that resolves, in reading order', () => {
    checkStructure(open(reports.interview!.outputs.readalong!), interview)
    // Headings, list items, table rows, code summaries, block quotes and raw HTML.
    const epub = open(reports.constructs!.outputs.readalong!)
    checkStructure(epub, constructs)
    const fragments = epub.overlays.flatMap((o) => o.pars.map((p) => p.fragment))
    for (const kind of ['-t', '-h1', '-p1', '-li1', '-tr1', '-c1']) expect(fragments.some((f) => f.endsWith(kind)), kind).toBe(true)
    expect(reports.constructs!.warnings.filter((w) => w.code === 'readalong-unmatched')).toEqual([])
  })

  it('times the clips against the real audio: they add up to ffprobe’s duration of each file', () => {
    const rows = checkDurations(open(reports.interview!.outputs.readalong!), work)
    expect(rows).toHaveLength(4)
    checkDurations(open(reports.constructs!.outputs.readalong!), work)
  })

  it('highlights speech, not silence: each clip holds the synthesized speech of its block', () => {
    const epub = open(reports.interview!.outputs.readalong!)
    const overlay = epub.overlays[0]!
    const mp3 = path.join(work, 'speech-check.mp3')
    fs.writeFileSync(mp3, epub.entries[`OEBPS/${overlay.pars[0]!.audio}`]!)
    const rate = 22050
    const raw = tool('ffmpeg', ['-v', 'error', '-i', mp3, '-f', 's16le', '-ac', '1', '-ar', String(rate), '-'], 'ffmpeg', true) as Buffer
    const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1)
    const rms = (fromMs: number, toMs: number) => {
      const from = Math.round((fromMs / 1000) * rate)
      const to = Math.round((toMs / 1000) * rate)
      let sum = 0
      for (let i = from; i < to; i++) sum += (pcm[i] ?? 0) ** 2
      return Math.sqrt(sum / Math.max(1, to - from)) / 32768
    }
    for (const par of overlay.pars) {
      expect(rms(par.beginMs, par.endMs), par.id).toBeGreaterThan(0.02)
      // A block's speech starts where its clip starts (after the previous block's pause).
      if (par.beginMs > 0) {
        expect(rms(par.beginMs - 200, par.beginMs - 20), `${par.id}: silence before`).toBeLessThan(0.005)
        expect(rms(par.beginMs, par.beginMs + 300), `${par.id}: speech at the start`).toBeGreaterThan(0.01)
      }
    }
  })

  it('packs the audio edition’s MP3s byte for byte', () => {
    const epub = open(reports.interview!.outputs.readalong!)
    const audio = reports.interview!.outputs.audio!
    expect(audio).toMatchObject({synthesized: 4, cached: 0})
    const packed = Object.keys(epub.entries).filter((name) => name.startsWith('OEBPS/audio/')).sort()
    expect(packed).toEqual(['OEBPS/audio/s01.mp3', 'OEBPS/audio/s02.mp3', 'OEBPS/audio/s03.mp3', 'OEBPS/audio/s04.mp3'])
    for (const [i, name] of packed.entries()) expect(Buffer.from(epub.entries[name]!).equals(fs.readFileSync(audio.files[i]!))).toBe(true)
  })

  it('rebuilds byte-identically: from the cache, and cold with an empty cache', async () => {
    const first = fs.readFileSync(reports.interview!.outputs.readalong!)
    const warm = await buildOne(interview, path.join(work, 'warm'), ['readalong'])
    expect(fs.readFileSync(warm.outputs.readalong!).equals(first)).toBe(true)
    const cold = await buildOne(interview, path.join(work, 'cold'), ['readalong'], {cache: path.join(work, 'cold-cache')})
    expect(fs.readdirSync(path.join(work, 'cold-cache', 'audio')).length).toBeGreaterThan(0)
    expect(fs.readFileSync(cold.outputs.readalong!).equals(first)).toBe(true)
  }, 30_000)

  it('leaves the plain EPUB edition without overlays or block ids', async () => {
    const loaded = loadManuscript(interview)
    const result = await renderEpub({book: loaded.book, options: loaded.options, outDir: work, name: 'plain', warn: () => {}, progress: () => {}})
    const epub = open(result.epub!)
    expect(epub.opf).not.toMatch(/media-overlay|media:|smil|audio\//)
    expect(idsIn(epub.text('OEBPS/s01.xhtml'))).not.toContain('s01-p1')
  })

  it('adds the highlight to a user stylesheet that lacks it', async () => {
    const css = path.join(work, 'mine.css')
    fs.writeFileSync(css, 'p { margin: 0; }\n')
    const loaded = loadManuscript(interview, {options: {epub: {stylesheet: css}, audio: {cache}} as never})
    const result = await renderReadAlong({book: loaded.book, options: loaded.options, outDir: work, name: 'styled', warn: () => {}, progress: () => {}})
    const stylesheet = open(result.readalong!).text('OEBPS/epub.css')
    expect(stylesheet.startsWith('p { margin: 0; }')).toBe(true)
    expect(stylesheet).toContain(`.${ACTIVE_CLASS} {`)
  })
})

describe('read-along EPUB in Readium (the reading-system toolkit behind Thorium)', () => {
  it('parses the overlays into a playable media-overlay tree that matches ours', async () => {
    const file = reports.interview!.outputs.readalong!
    const ours = open(file)
    const publication = await EpubParsePromise(file)
    const overlays = await getAllMediaOverlays(publication)
    expect(publication.Metadata.MediaOverlay?.ActiveClass).toBe(ACTIVE_CLASS)
    const total = ours.overlays.reduce((n, o) => n + o.pars.at(-1)!.endMs, 0)
    expect(Math.round(publication.Metadata.Duration! * 1000)).toBe(total)
    const narrated = (publication.Spine ?? []).filter((link) => link.MediaOverlays)
    expect(narrated.map((link) => link.Href)).toEqual(ours.overlays.map((o) => `OEBPS/${o.doc}`))
    expect(overlays).toHaveLength(ours.overlays.length)
    for (const [i, overlay] of overlays.entries()) {
      const expected = ours.overlays[i]!
      expect(Math.round(narrated[i]!.Duration! * 1000)).toBe(expected.pars.at(-1)!.endMs)
      // body → seq (the chapter) → one par per spoken block, text and audio clip as Readium plays them.
      const seq = overlay.Children![0]!
      expect(seq.Text).toBe(`OEBPS/${expected.textref}`)
      expect(seq.Children!.map((par) => [par.Text, par.Audio])).toEqual(
        expected.pars.map((par) => [`OEBPS/${par.textFile}#${par.fragment}`, `OEBPS/${par.audio}#t=${par.beginMs / 1000},${par.endMs / 1000}`])
      )
    }
  })
})

describe('read-along EPUB with the edge engine (local fake service)', () => {
  it('validates clean, every block has a par, and the clips add up to the audio', () => {
    const file = reports.edge!.outputs.readalong!
    const check = checks.get(file)!
    expect(check, check.output).toMatchObject({status: 0, fatals: 0, errors: 0, warnings: 0})
    const epub = open(file)
    checkStructure(epub, interview)
    expect(checkDurations(epub, work)).toHaveLength(4)
    // Not the offline engine's audio: the fake service's 24 kHz tone.
    const offline = open(reports.interview!.outputs.readalong!)
    expect(Buffer.from(epub.entries['OEBPS/audio/s01.mp3']!).equals(Buffer.from(offline.entries['OEBPS/audio/s01.mp3']!))).toBe(false)
  })
})

describe('read-along EPUB of raw HTML that uses block ids', () => {
  it('leaves user ids to the user: the spoken element is renamed and its par follows it', async () => {
    const text = [
      '---', 'lang: en', '---', '', '# Book', '', '## One', '',
      '<p id="s01-p2">A raw paragraph that takes a block id.</p>', '',
      'First paragraph.', '',
      'Second <span id="imprint-spoken-s01-p2">paragraph</span>.', '', '## Two', '', 'Third paragraph.', ''
    ].join('\n')
    const loaded = loadText(text, path.join(work, 'clash.md'), {options: {audio: {cache}} as never})
    const warnings: string[] = []
    const result = await renderReadAlong({book: loaded.book, options: loaded.options, outDir: work, name: 'clash', warn: (w) => warnings.push(w.code), progress: () => {}})
    const epub = open(result.readalong!)
    const xhtml = epub.text('OEBPS/s01.xhtml')
    expect(xhtml).toContain('<p id="s01-p2">A raw paragraph')
    expect(xhtml).toContain('<p id="s01-p2-2">Second <span id="u-imprint-spoken-s01-p2">paragraph</span>.</p>')
    expect(epub.overlays[0]!.pars.map((p) => p.fragment)).toEqual(['s01-t', 's01-p1', 's01-p2-2'])
    expect(warnings).not.toContain('readalong-unmatched')
  }, 30_000)
})

describe('read-along EPUB of a book with a cover picture', () => {
  it('keeps the picture once, as the EPUB cover, not in every MP3', async () => {
    const text = '---\ncover: pixel.png\n---\n\n# 书\n\n## 一\n\n老城区住着全市三分之一的老年读者。\n'
    const loaded = loadText(text, path.join(fixtures, 'constructs', 'cover-readalong.md'), {options: {audio: {cache}} as never})
    const result = await renderReadAlong({book: loaded.book, options: loaded.options, outDir: work, name: 'cover', warn: () => {}, progress: () => {}})
    const epub = open(result.readalong!)
    expect(epub.opf).toMatch(/properties="cover-image"/)
    const mp3 = path.join(work, 'cover-s01.mp3')
    fs.writeFileSync(mp3, epub.entries['OEBPS/audio/s01.mp3']!)
    const streams = JSON.parse(tool('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type:format_tags=title', '-of', 'json', mp3], 'ffmpeg') as string) as {
      streams: {codec_type: string}[]
      format: {tags?: {title?: string}}
    }
    expect(streams.streams.map((s) => s.codec_type)).toEqual(['audio'])
    expect(streams.format.tags?.title).toBeTruthy()
  }, 30_000)
})

describe.skipIf(!hasSample)('read-along EPUB of the press-conference sample', () => {
  it('validates clean and its overlays match the real audio durations', () => {
    const file = reports.sample!.outputs.readalong!
    const check = checks.get(file)!
    expect(check, check.output).toMatchObject({status: 0, fatals: 0, errors: 0, warnings: 0})
    const epub = open(file)
    checkStructure(epub, sample)
    const rows = checkDurations(epub, work)
    expect(rows).toHaveLength(11)
    const worst = Math.max(...rows.map((r) => Math.abs(r.smilMs - r.probeMs)))
    const total = rows.reduce((n, r) => n + r.smilMs, 0)
    console.warn(`sample read-along: 11 overlays, ${(total / 60000).toFixed(1)} min, worst SMIL vs ffprobe ${worst.toFixed(1)} ms`)
  })
})
