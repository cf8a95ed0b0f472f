/**
 * The Edge engine against a local fake of the service (no test reaches the internet).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadManuscript, loadText} from '../../../src/load.js'
import {createEdgeEngine, edgeSsml, minimumPlausibleMs} from '../../../src/render/audio/edge.js'
import type {SectionJob} from '../../../src/render/audio/engine.js'
import {listVoices, renderAudio, type Manifest} from '../../../src/render/audio/index.js'
import {scanMp3} from '../../../src/render/audio/mp3.js'
import {escapeXml, splitForRequest} from '../../../src/render/audio/ssml.js'
import type {Warning} from '../../../src/report.js'
import {fixtures} from '../../support/paths.js'
import {startFakeEdge, type FakeEdge} from './fake-edge.js'

const interview = path.join(fixtures, 'example/interview.md')

function ffprobeDuration(file: string): number {
  try {
    return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], {encoding: 'utf8'}).trim()) * 1000
  } catch (error) {
    throw new Error(`ffprobe failed or is missing (apt package: ffmpeg): ${(error as Error).message}`)
  }
}

let fake: FakeEdge
let work: string
beforeAll(async () => {
  fake = await startFakeEdge()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-edge-'))
})
afterAll(async () => {
  await fake.close()
  fs.rmSync(work, {recursive: true, force: true})
})

function job(texts: string[], voice = 'zh-CN-XiaoxiaoNeural'): SectionJob {
  return {
    section: {id: 's01', title: 'T'},
    language: 'zh-CN',
    blocks: texts.map((text, i) => ({id: `s01-p${i + 1}`, kind: 'paragraph', text, pauseMs: 450, voice: {voice}}))
  }
}

const engine = (over: Partial<Parameters<typeof createEdgeEngine>[0]> = {}) =>
  createEdgeEngine({endpoint: fake.endpoint, concurrency: 3, retries: 3, timeoutMs: 1500, backoffMs: 20, ...over})

describe('request splitting and SSML', () => {
  it('splits long Chinese text at sentence ends under 4096 bytes, never inside an entity', () => {
    const sentence = '我们将打造战略互信的典范，坚定支持对方维护核心重大利益&<“颜色革命”>。'
    const text = sentence.repeat(120)
    const pieces = splitForRequest(text, 4096)
    expect(pieces.length).toBeGreaterThan(3)
    for (const piece of pieces) {
      expect(Buffer.byteLength(escapeXml(piece))).toBeLessThanOrEqual(4096)
      expect(piece.endsWith('。')).toBe(true)
    }
    expect(pieces.join('')).toBe(text)
  })

  it('falls back to clause marks when a sentence is longer than a request', () => {
    const text = '一二三四五六七八九十，'.repeat(200) + '完。'
    const pieces = splitForRequest(text, 1000)
    expect(pieces.length).toBeGreaterThan(5)
    for (const piece of pieces) expect(Buffer.byteLength(escapeXml(piece))).toBeLessThanOrEqual(1000)
    expect(pieces.slice(0, -1).every((p) => p.endsWith('，'))).toBe(true)
  })

  it('builds SSML with only speak, voice and prosody, escaped', () => {
    const ssml = edgeSsml('A & B <c> “引号”', {voice: 'zh-CN-YunxiNeural', rate: '+10%'}, 'zh-CN')
    expect([...new Set([...ssml.matchAll(/<([a-z]+)/g)].map((m) => m[1]))]).toEqual(['speak', 'voice', 'prosody'])
    expect(ssml).toContain('A &amp; B &lt;c&gt;')
    expect(ssml).toContain('rate="+10%"')
  })
})

describe('edge engine against the fake service', () => {
  it('stitches one request per block, with timings and plausible durations', async () => {
    const before = fake.requests.length
    const e = engine()
    const texts = ['新馆为什么选在老城区？', '老城区住着全市三分之一的老年读者，他们过去要坐四十分钟公交才能到馆。']
    const audio = await e.synthesize(job(texts), () => {})
    const sent = fake.requests.slice(before)
    expect(sent).toHaveLength(2)
    for (const r of sent) {
      expect(r.voices).toHaveLength(1)
      expect(r.elements.sort()).toEqual(['prosody', 'speak', 'voice'])
    }
    expect(audio.blocks.map((b) => b.id)).toEqual(['s01-p1', 's01-p2'])
    expect(audio.blocks[1]!.startMs).toBeGreaterThanOrEqual(audio.blocks[0]!.endMs + 400)
    // The second text is ~3x longer: so is its audio.
    const [a, b] = audio.blocks.map((t) => t.endMs - t.startMs) as [number, number]
    expect(b).toBeGreaterThan(a * 2.5)
    expect(scanMp3(audio.mp3).durationMs).toBeCloseTo(audio.durationMs, 0)
  })

  it('retries 429/503 handshakes, dropped sockets and stalls, with backoff', async () => {
    fake.misbehave('busy429', 'busy503', 'drop', 'stall', 'error')
    const before = fake.requests.length
    const audio = await engine({concurrency: 1, retries: 6}).synthesize(job(['世界越是动荡不安，中俄合作越要坚定前行。']), () => {})
    expect(audio.durationMs).toBeGreaterThan(2500)
    const answered = fake.requests.slice(before).map((r) => r.answered)
    expect(answered).toEqual(['drop', 'stall', 'error', 'ok'])
  }, 20_000)

  it('requests truncated audio again, and warns when it stays short', async () => {
    fake.misbehave('truncate')
    const before = fake.requests.length
    const warnings: string[] = []
    const text = '今年是中俄睦邻友好合作条约签署二十周年。'
    const audio = await engine().synthesize(job([text]), (_, m) => warnings.push(m))
    expect(fake.requests.slice(before).map((r) => r.answered)).toEqual(['truncate', 'ok'])
    expect(audio.durationMs).toBeGreaterThan(minimumPlausibleMs(text))
    expect(warnings).toEqual([])

    fake.misbehave('truncate', 'truncate', 'truncate', 'truncate')
    const short = await engine().synthesize(job([text]), (_, m) => warnings.push(m))
    expect(short.durationMs).toBeLessThan(minimumPlausibleMs(text))
    expect(warnings.join()).toMatch(/truncated/)
  }, 20_000)

  it('rejects a voice name that is not an Edge voice, without retrying', async () => {
    const before = fake.handshakes
    await expect(engine().synthesize(job(['你好。'], 'Xiaoxiao'), () => {})).rejects.toThrow(/not an Edge voice name/)
    expect(fake.handshakes).toBe(before)
  })

  it('keeps to the concurrency cap', async () => {
    const fresh = await startFakeEdge()
    try {
      const e = createEdgeEngine({endpoint: fresh.endpoint, concurrency: 2, retries: 0, timeoutMs: 2000})
      await e.synthesize(job(Array.from({length: 8}, (_, i) => `第${i}段，坚持多边主义。`)), () => {})
      expect(fresh.requests).toHaveLength(8)
      expect(fresh.maxConcurrent).toBeLessThanOrEqual(2)
    } finally {
      await fresh.close()
    }
  })

  it('corrects a skewed clock from the service\'s Date header after a 403, and says so', async () => {
    const skewed = await startFakeEdge({clockSkewMs: 60 * 60 * 1000})
    try {
      const warnings: string[] = []
      const e = createEdgeEngine({endpoint: skewed.endpoint, concurrency: 1, retries: 0, timeoutMs: 2000, backoffMs: 10})
      const audio = await e.synthesize(job(['你好，世界。']), (code, m) => warnings.push(`${code}: ${m}`))
      expect(audio.durationMs).toBeGreaterThan(500)
      expect(skewed.handshakes).toBe(2) // refused once, then accepted with the corrected token
      expect(warnings.join()).toMatch(/audio-clock-skew: .*differs .* by (3599|3600|3601) s/)
    } finally {
      await skewed.close()
    }
  })

  it('says the clock may be wrong when the handshake stays refused (403)', async () => {
    fake.misbehave('forbidden')
    const before = fake.handshakes
    const e = engine({retries: 3})
    await expect(e.synthesize(job(['你好。']), () => {})).rejects.toThrow(/403.*clock/)
    expect(fake.handshakes - before).toBe(1) // not retried: waiting does not fix a clock
  })

  it('gives up after the retries with an error naming the section', async () => {
    const {book, options} = loadText('# 书\n\n## 第一节\n\n你好，世界。\n', path.join(work, 'fail.md'), {
      options: {audio: {engine: 'edge', endpoint: fake.endpoint, retries: 1, timeoutMs: 1000, cache: path.join(work, 'fail-cache')} as never}
    })
    fake.misbehave('busy503', 'busy503', 'busy503', 'busy503')
    await expect(
      renderAudio({book, options, outDir: work, name: 'fail', warn: () => {}, progress: () => {}})
    ).rejects.toThrow(/section s01 .*busy \(HTTP 503\)/)
    fake.misbehave() // two busy503 remain queued: the next test must absorb them by retrying
  }, 20_000)
})

describe('renderAudio with --tts edge', () => {
  it('renders the interview with speaker voices, in separate requests', async () => {
    fake.requests.length = 0
    const warnings: Warning[] = []
    const {book, options} = loadManuscript(interview, {
      options: {
        audio: {
          engine: 'edge',
          endpoint: fake.endpoint,
          timeoutMs: 3000,
          cache: path.join(work, 'cache'),
          voices: {林素秋: {voice: 'zh-CN-YunjianNeural', rate: '-10%'}}
        } as never
      }
    })
    // Drain any queued misbehaviour from earlier tests.
    const out = await renderAudio({book, options, outDir: work, name: 'interview', warn: (w) => warnings.push(w), progress: () => {}})
    const audio = out.audio!
    expect(audio.synthesized).toBe(4)
    const manifest = JSON.parse(fs.readFileSync(audio.manifest, 'utf8')) as Manifest
    expect(manifest.speakers['林素秋']).toBe('zh-CN-YunjianNeural')
    expect(manifest.speakers['城南晚报记者']).toBe('zh-CN-XiaoxiaoNeural')
    const voicesUsed = new Set(fake.requests.flatMap((r) => r.voices))
    expect(voicesUsed).toEqual(new Set(['zh-CN-YunyangNeural', 'zh-CN-XiaoxiaoNeural', 'zh-CN-YunjianNeural']))
    expect(fake.requests.every((r) => !r.body.includes('林素秋：') && !r.body.includes('记者：'))).toBe(true)
    for (const r of fake.requests) expect(r.prosody).toContain(r.voices[0] === 'zh-CN-YunjianNeural' ? 'rate="-10%"' : 'rate="+0%"')
    for (const section of manifest.sections) {
      const measured = ffprobeDuration(path.join(audio.dir, section.file))
      expect(Math.abs(measured - section.durationMs)).toBeLessThan(50)
    }
    const again = await renderAudio({book, options, outDir: work, name: 'interview', warn: () => {}, progress: () => {}})
    expect(again.audio).toMatchObject({synthesized: 0, cached: 4})
  }, 30_000)

  it('keeps finished sections in the cache when one fails, and continues from there', async () => {
    const cache = path.join(work, 'midway-cache')
    const load = () =>
      loadManuscript(interview, {options: {audio: {engine: 'edge', endpoint: fake.endpoint, retries: 2, timeoutMs: 3000, cache} as never}})
    const {book, options} = load()
    fake.misbehave('forbidden')
    await expect(
      renderAudio({book, options, outDir: work, name: 'midway', warn: () => {}, progress: () => {}})
    ).rejects.toThrow(/could not synthesize section s0\d .*403.*3 finished section\(s\) are cached/)
    expect(fs.existsSync(path.join(work, 'midway.audio', 'manifest.json'))).toBe(false)
    const again = load()
    const out = await renderAudio({book: again.book, options: again.options, outDir: work, name: 'midway', warn: () => {}, progress: () => {}})
    expect(out.audio).toMatchObject({synthesized: 1, cached: 3})
  }, 30_000)

  it('says which host it could not reach for the voice list', async () => {
    // A port that was just free: nothing listens there, so the connection is refused at once.
    const server = net.createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const {port} = server.address() as net.AddressInfo
    await new Promise((resolve) => server.close(resolve))
    await expect(listVoices('edge', {voicesUrl: `http://127.0.0.1:${port}/voices/list`})).rejects.toThrow(
      new RegExp(`cannot fetch the voice list from 127\\.0\\.0\\.1:${port}: ECONNREFUSED`)
    )
  })

  it('lists voices from the (fake) service', async () => {
    const voices = await listVoices('edge', {voicesUrl: fake.voicesUrl})
    expect(voices.map((v) => v.name)).toContain('zh-CN-XiaoxiaoNeural')
    expect(voices[0]).toMatchObject({language: 'zh-CN', gender: 'female'})
  })
})
