/**
 * The offline audio edition end to end: real eSpeak NG (WASM) synthesis, real LAME encoding,
 * checked with independent tools (ffprobe, ffmpeg, sox).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ESpeakNg from 'espeak-ng'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadManuscript, loadText} from '../../../src/load.js'
import {listVoices, renderAudio, spokenBlocks, type Manifest} from '../../../src/render/audio/index.js'
import type {AudioOutput, Warning} from '../../../src/report.js'
import {fixtures, have, sample} from '../../support/paths.js'

const interview = path.join(fixtures, 'example/interview.md')

function tool(command: string, args: string[], apt: string): string {
  try {
    return execFileSync(command, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    const e = error as NodeJS.ErrnoException & {stderr?: string}
    if (e.code === 'ENOENT') throw new Error(`${command} is missing: install the apt package ${apt}`)
    // sox prints `stat` to stderr and exits 0; other failures are real.
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`)
  }
}

interface Probe {
  durationMs: number
  tags: Record<string, string>
  codec: string
  sampleRate: number
}

function probe(file: string): Probe {
  const json = JSON.parse(
    tool('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:format_tags:stream=codec_name,sample_rate', '-of', 'json', file], 'ffmpeg')
  ) as {format: {duration: string; tags?: Record<string, string>}; streams: {codec_name: string; sample_rate: string}[]}
  return {
    durationMs: Number(json.format.duration) * 1000,
    tags: json.format.tags ?? {},
    codec: json.streams[0]!.codec_name,
    sampleRate: Number(json.streams[0]!.sample_rate)
  }
}

let work: string
let cacheDir: string
let first: AudioOutput
let manifest: Manifest
const warnings: Warning[] = []
const progress: {done: number; total: number}[] = []

function render(file: string, name: string, over: Record<string, unknown> = {}, text?: string) {
  const loaded = text
    ? loadText(text, file, {options: {audio: {cache: cacheDir, ...over} as never}})
    : loadManuscript(file, {options: {audio: {cache: cacheDir, ...over} as never}})
  return renderAudio({
    book: loaded.book,
    options: loaded.options,
    outDir: work,
    name,
    warn: (w) => warnings.push(w),
    progress: (p) => progress.push(p)
  }).then((r) => r.audio!)
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-audio-'))
  cacheDir = path.join(work, 'cache')
  first = await render(interview, 'interview', {audiobook: true})
  manifest = JSON.parse(fs.readFileSync(first.manifest, 'utf8')) as Manifest
}, 60_000)
afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

describe('offline audio of the interview', () => {
  it('writes one tagged MP3 per section, a playlist and a manifest', () => {
    expect(fs.readdirSync(first.dir).sort()).toEqual([
      '01-新馆为什么选在老城区.mp3',
      '02-借阅规则有哪些变化.mp3',
      '03-数字阅读与无障碍服务.mp3',
      '04-开放时间.mp3',
      'interview.audiobook.mp3',
      'manifest.json',
      'playlist.m3u8'
    ])
    expect(first).toMatchObject({synthesized: 4, cached: 0})
    expect(progress.at(-1)).toEqual(expect.objectContaining({done: 4, total: 4}))
    expect(manifest.sections.map((s) => s.id)).toEqual(['s01', 's02', 's03', 's04'])
    expect(manifest.totalDurationMs).toBe(manifest.sections.reduce((n, s) => n + s.durationMs, 0))
    expect(first.totalDurationMs).toBe(manifest.totalDurationMs)
  })

  it('ffprobe reads every file; durations match the manifest within 50 ms; tags are present', () => {
    for (const [i, section] of manifest.sections.entries()) {
      const file = path.join(first.dir, section.file)
      const p = probe(file)
      expect(p.codec).toBe('mp3')
      expect(p.sampleRate).toBe(manifest.sampleRate)
      expect(Math.abs(p.durationMs - section.durationMs)).toBeLessThan(50)
      expect(fs.statSync(file).size).toBe(section.bytes)
      expect(p.tags).toMatchObject({
        title: section.title,
        album: '让每一本书都找到它的读者',
        artist: '城南图书馆编辑部',
        track: `${i + 1}/4`,
        language: 'chi'
      })
    }
  })

  it('times every spoken block inside its file, under the ids spokenBlocks computes', async () => {
    const {book} = loadManuscript(interview)
    for (const [i, section] of manifest.sections.entries()) {
      expect(section.blocks.map((b) => b.id)).toEqual(spokenBlocks(book.sections[i]!, book).map((b) => b.id))
      let previous = 0
      for (const block of section.blocks) {
        expect(block.startMs).toBeGreaterThanOrEqual(previous)
        expect(block.endMs).toBeGreaterThan(block.startMs)
        previous = block.endMs
      }
      expect(previous).toBeLessThanOrEqual(section.durationMs)
    }
    // The timings match the decoded audio: speech inside each block, silence in the pauses.
    const section = manifest.sections[0]!
    tool('ffmpeg', ['-version'], 'ffmpeg')
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(first.dir, section.file), '-f', 's16le', '-ac', '1', '-'], {
      maxBuffer: 64 << 20
    })
    const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1)
    const rms = (fromMs: number, toMs: number) => {
      const from = Math.round((fromMs / 1000) * manifest.sampleRate)
      const to = Math.round((toMs / 1000) * manifest.sampleRate)
      let sum = 0
      for (let i = from; i < to; i++) sum += (pcm[i] ?? 0) ** 2
      return Math.sqrt(sum / Math.max(1, to - from)) / 32768
    }
    for (const [i, block] of section.blocks.entries()) {
      expect(rms(block.startMs, block.endMs)).toBeGreaterThan(0.03)
      const next = section.blocks[i + 1]?.startMs ?? section.durationMs
      if (next - block.endMs > 200) expect(rms(block.endMs + 60, next - 60)).toBeLessThan(0.005)
    }

    // Longer text, longer speech: compare the blocks of the first section.
    const blocks = spokenBlocks(book.sections[0]!, book)
    const timed = manifest.sections[0]!.blocks
    const pairs = blocks.map((b, i) => ({chars: [...b.text].length, ms: timed[i]!.endMs - timed[i]!.startMs}))
    const short = pairs.reduce((a, b) => (b.chars < a.chars ? b : a))
    const long = pairs.reduce((a, b) => (b.chars > a.chars ? b : a))
    expect(long.chars).toBeGreaterThan(short.chars * 5)
    expect(long.ms).toBeGreaterThan(short.ms * 3)
  })

  it('gives speakers their own voices and lists them', () => {
    expect(manifest.speakers).toMatchObject({城南晚报记者: 'cmn+f2', 林素秋: 'cmn+m3', 广播电台记者: 'cmn+f2', Reporter: 'cmn+f2'})
    expect(manifest.sections[0]!.voices).toEqual(['cmn', 'cmn+f2', 'cmn+m3'])
  })

  it('writes a playlist in reading order', () => {
    const lines = fs.readFileSync(first.playlist, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('#EXTM3U')
    const entries = lines.filter((l) => !l.startsWith('#'))
    expect(entries).toEqual(manifest.sections.map((s) => s.file))
    const extinf = lines.filter((l) => l.startsWith('#EXTINF:'))
    expect(extinf[0]).toBe(`#EXTINF:${Math.round(manifest.sections[0]!.durationMs / 1000)},新馆为什么选在老城区`)
  })

  it('writes the audiobook with one ID3 chapter per section', () => {
    const out = JSON.parse(
      tool('ffprobe', ['-v', 'error', '-show_chapters', '-show_entries', 'format=duration', '-of', 'json', first.audiobook!], 'ffmpeg')
    ) as {chapters: {start_time: string; tags: {title: string}}[]; format: {duration: string}}
    expect(out.chapters.map((c) => c.tags.title)).toEqual(manifest.sections.map((s) => s.title))
    let start = 0
    for (const [i, chapter] of out.chapters.entries()) {
      expect(Math.abs(Number(chapter.start_time) * 1000 - start)).toBeLessThan(2)
      start += manifest.sections[i]!.durationMs
    }
    expect(Math.abs(Number(out.format.duration) * 1000 - manifest.totalDurationMs)).toBeLessThan(100)
  })

  it('sounds like Mandarin speech, not silence or spelled-out symbols', async () => {
    // eSpeak's own phoneme transcription: Mandarin syllables with tone contours.
    const phonemes: string[] = []
    await ESpeakNg({arguments: ['-v', 'cmn', '-q', '-x', '新馆每天早上八点开门'], print: (s: string) => phonemes.push(s), printErr: () => {}})
    const transcription = phonemes.join(' ')
    // One tone contour (55, 35, 21, 51…) per character: ten syllables, not letter names.
    expect(transcription.match(/[1-5]{2}/g)).toHaveLength(10)
    expect(transcription).not.toMatch(/[a-z]{6,}/i)

    // The rendered audio: a slice of section 1 decoded to WAV and measured with sox.
    const wav = path.join(work, 'slice.wav')
    tool('ffmpeg', ['-v', 'error', '-y', '-ss', '4', '-t', '5', '-i', path.join(first.dir, manifest.sections[0]!.file), wav], 'ffmpeg')
    tool('sox', ['--version'], 'sox')
    // `sox … stat` reports on stderr.
    const all = execFileSync('sh', ['-c', 'sox "$0" -n stat 2>&1', wav], {encoding: 'utf8'})
    const value = (label: string) => Number(all.match(new RegExp(`${label}:\\s+(-?[\\d.]+)`))?.[1])
    expect(value('Length \\(seconds\\)')).toBeCloseTo(5, 1)
    expect(value('RMS     amplitude')).toBeGreaterThan(0.02) // not silence
    expect(value('Rough   frequency')).toBeGreaterThan(150) // voiced speech band
    expect(value('Rough   frequency')).toBeLessThan(4000)
  })

  it('rebuilds from the cache, and resynthesizes only an edited section', async () => {
    const again = await render(interview, 'interview')
    expect(again).toMatchObject({synthesized: 0, cached: 4})
    for (const file of again.files) expect(fs.readFileSync(file)).toEqual(fs.readFileSync(path.join(first.dir, path.basename(file))))
    const edited = fs.readFileSync(interview, 'utf8').replace('新馆每天早上八点开门', '新馆每天早上九点开门')
    const changed = await render(path.join(path.dirname(interview), 'edited.md'), 'edited', {}, edited)
    expect(changed).toMatchObject({synthesized: 1, cached: 3})
  }, 30_000)

  it('is deterministic: a cold build with an empty cache gives byte-identical files', async () => {
    const saved = cacheDir
    cacheDir = path.join(work, 'cold-cache')
    try {
      const cold = await render(interview, 'interview-cold')
      expect(cold).toMatchObject({synthesized: 4, cached: 0})
      for (const file of cold.files) expect(fs.readFileSync(file)).toEqual(fs.readFileSync(path.join(first.dir, path.basename(file))))
      const {audiobook, ...withoutAudiobook} = manifest
      expect(audiobook).toBe('interview.audiobook.mp3')
      expect(JSON.parse(fs.readFileSync(cold.manifest, 'utf8'))).toEqual(withoutAudiobook)
    } finally {
      cacheDir = saved
    }
  }, 30_000)

  it('reports what it did not speak', async () => {
    const md = ['# 书', '', '## 一', '', '正文。![图](a.png)', '', '```', 'x = 1', '```', '', '## 二', '', '好。', ''].join('\n')
    warnings.length = 0
    await render(path.join(work, 'skips.md'), 'skips', {code: 'skip'}, md)
    const w = warnings.find((x) => x.code === 'audio-not-spoken')
    expect(w?.message).toMatch(/1 code block\(s\) skipped, 1 image\(s\) skipped/)
  }, 30_000)
})

describe('settings', () => {
  const short = (front: string) => `---\n${front}\n---\n\n# 书\n\n## 一\n\n老城区住着全市三分之一的老年读者。\n\n## 二\n\n好。\n`

  it('embeds the cover image in the tags', async () => {
    const file = path.join(fixtures, 'constructs', 'cover-test.md')
    const out = await render(file, 'cover', {}, short('cover: pixel.png'))
    const streams = JSON.parse(
      tool('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type', '-of', 'json', out.files[0]!], 'ffmpeg')
    ) as {streams: {codec_name: string; codec_type: string}[]}
    expect(streams.streams).toEqual(expect.arrayContaining([{codec_name: 'png', codec_type: 'video'}]))
  }, 30_000)

  it('applies rate per book (faster speech is shorter)', async () => {
    const normal = await render(path.join(work, 'rate.md'), 'rate-normal', {}, short('lang: zh-CN'))
    const fast = await render(path.join(work, 'rate.md'), 'rate-fast', {rate: '+60%'}, short('lang: zh-CN'))
    const blocks = (o: AudioOutput) => (JSON.parse(fs.readFileSync(o.manifest, 'utf8')) as Manifest).sections[0]!.blocks[1]!
    const [a, b] = [blocks(normal), blocks(fast)]
    expect(b.endMs - b.startMs).toBeLessThan((a.endMs - a.startMs) * 0.8)
  }, 30_000)

  it('lists eSpeak voices, Mandarin included', async () => {
    const voices = await listVoices('espeak')
    expect(voices.length).toBeGreaterThan(50)
    expect(voices.find((v) => v.name === 'cmn')).toMatchObject({language: 'cmn'})
  }, 30_000)
})

describe.skipIf(!have(sample, 'the press-conference sample (../shared/samples)'))('the press-conference sample', () => {
  it('produces 11 files of plausible total duration and an ordered playlist', async () => {
    const started = Date.now()
    const out = await render(sample, 'press-conference')
    const seconds = (Date.now() - started) / 1000
    const m = JSON.parse(fs.readFileSync(out.manifest, 'utf8')) as Manifest
    expect(m.sections).toHaveLength(11)
    expect(out.files).toHaveLength(11)
    // ~6,000 characters of Mandarin at eSpeak's pace (~4 syllables/s): 20–32 minutes.
    expect(m.totalDurationMs).toBeGreaterThan(20 * 60_000)
    expect(m.totalDurationMs).toBeLessThan(32 * 60_000)
    const playlist = fs.readFileSync(out.playlist, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))
    expect(playlist).toEqual(m.sections.map((s) => s.file))
    expect(playlist.map((f) => f.slice(0, 3))).toEqual(Array.from({length: 11}, (_, i) => `${String(i + 1).padStart(2, '0')}-`))
    for (const s of m.sections) expect(Math.abs(probe(path.join(out.dir, s.file)).durationMs - s.durationMs)).toBeLessThan(50)
    const warmStarted = Date.now()
    const warm = await render(sample, 'press-conference')
    const warmSeconds = (Date.now() - warmStarted) / 1000
    expect(warm).toMatchObject({synthesized: 0, cached: 11})
    expect(warmSeconds).toBeLessThan(seconds * 0.05)
    console.warn(
      `sample: ${(m.totalDurationMs / 60000).toFixed(1)} min of speech in ${seconds.toFixed(1)} s cold, ${(warmSeconds * 1000).toFixed(0)} ms warm`
    )
  }, 120_000)
})
