/**
 * The offline engine: eSpeak NG compiled to WebAssembly (npm `espeak-ng`), run in worker
 * threads; each worker synthesizes a whole section and encodes it with LAME (WASM).
 */
import os from 'node:os'
import {Worker} from 'node:worker_threads'
import type {Engine, SectionAudio, SectionJob, VoiceInfo, VoicedBlock} from './engine.js'
import {scanMp3} from './mp3.js'
import {escapeXml, normalisePitch, normaliseRate, normaliseVolume, splitForRequest} from './ssml.js'
import {packageVersion} from './versions.js'
import type {ResolvedVoice} from './voices.js'

/** eSpeak reads stdin with fgets(…, 1000): keep every line (SSML included) under that. */
const MAX_TEXT_BYTES = 760
export const ESPEAK_BITRATE = 48
/** LAME's encoder delay plus the decoder's: where sample 0 of our PCM lands in decoded audio. */
const LAME_DELAY_SAMPLES = 1105
/** Bump when the script, SSML or encoding changes in a way that changes the audio. */
export const ESPEAK_VERSION = `espeak-ng@${packageVersion('espeak-ng')}+wasm-media-encoders@${packageVersion('wasm-media-encoders')}/cbr${ESPEAK_BITRATE}/v3`

const WORKER_URL = new URL('./espeak-worker.js', import.meta.url)

interface Pending {
  worker: Worker
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  partial?: (message: unknown) => void
}

/** A small pool of long-lived workers; jobs queue until a worker is free. A crashed worker is replaced. */
class WorkerPool {
  private readonly idle: Worker[] = []
  private readonly all = new Set<Worker>()
  private readonly waiting: ((worker: Worker) => void)[] = []
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL)
    worker.on('message', (message: {id: number; ok: boolean; partial?: boolean; result?: unknown; error?: string}) => {
      const entry = this.pending.get(message.id)
      if (!entry) return
      if (message.partial) return entry.partial?.(message)
      this.pending.delete(message.id)
      if (message.ok) entry.resolve(message.result)
      else entry.reject(new Error(message.error))
    })
    const fail = (error: Error) => {
      this.all.delete(worker)
      for (const [id, entry] of this.pending) {
        if (entry.worker !== worker) continue
        this.pending.delete(id)
        entry.reject(error)
      }
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the eSpeak worker stopped (exit code ${code})`)))
    this.all.add(worker)
    return worker
  }

  private async acquire(): Promise<Worker> {
    const free = this.idle.pop()
    if (free) return free
    if (this.all.size < this.size) return this.spawn()
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  private release(worker: Worker): void {
    // A worker that died is not handed out again; a waiting job gets a fresh one.
    const alive = this.all.has(worker)
    const next = this.waiting.shift()
    if (next) next(alive ? worker : this.spawn())
    else if (alive) this.idle.push(worker)
  }

  /** Run a job on a free worker; `partial` receives intermediate messages (finished sections). */
  async run<T>(kind: string, job: unknown, partial?: (message: unknown) => void): Promise<T> {
    const worker = await this.acquire()
    try {
      const id = this.nextId++
      return await new Promise<T>((resolve, reject) => {
        this.pending.set(id, {worker, resolve: resolve as (v: unknown) => void, reject, partial})
        worker.postMessage({id, kind, job})
      })
    } finally {
      this.release(worker)
    }
  }

  async close(): Promise<void> {
    const workers = [...this.all]
    this.all.clear()
    this.idle.length = 0
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

/** `cmn+f2` → name `cmn`, gender female, variant 2. */
export function parseEspeakVoice(voice: string): {name: string; gender?: 'male' | 'female'; variant?: number} {
  const match = voice.trim().match(/^([^+\s]+)(?:\+([fm])?(\d+)?)?$/i)
  if (!match) return {name: voice.trim()}
  const gender = match[2] ? (match[2].toLowerCase() === 'f' ? 'female' : 'male') : undefined
  return {name: match[1]!, gender, variant: match[3] ? Number(match[3]) : undefined}
}

const hasLetters = /\p{L}/u
const hasCjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u

/** One SSML document per stdin line. Latin-only text in a CJK voice is read by the English voice. */
export function espeakLine(text: string, voice: ResolvedVoice, language: string): string {
  const parsed = parseEspeakVoice(voice.voice)
  let name = parsed.name
  if (['cmn', 'yue', 'ja', 'ko', 'zh'].includes(name) && hasLetters.test(text) && !hasCjk.test(text)) name = 'en-us'
  const attributes = [`name="${escapeXml(name)}"`]
  if (parsed.gender) attributes.push(`gender="${parsed.gender}"`)
  if (parsed.variant) attributes.push(`variant="${parsed.variant}"`)
  const prosody: string[] = []
  const rate = normaliseRate(voice.rate)
  const pitch = normalisePitch(voice.pitch)
  const volume = normaliseVolume(voice.volume)
  if (rate) prosody.push(`rate="${rate}"`)
  if (pitch) prosody.push(`pitch="${pitch}"`)
  if (volume) prosody.push(`volume="${volume}"`)
  const body = escapeXml(text)
  const inner = prosody.length ? `<prosody ${prosody.join(' ')}>${body}</prosody>` : body
  return `<speak xml:lang="${escapeXml(language)}"><voice ${attributes.join(' ')}>${inner}</voice></speak>`
}

export function espeakLines(block: VoicedBlock, language: string): string[] {
  return splitForRequest(block.text, MAX_TEXT_BYTES).map((piece) => espeakLine(piece, block.voice, language))
}

export function createEspeakEngine(options: {workers?: number} = {}): Engine {
  const size = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), 8))
  const pool = new WorkerPool(size)

  interface WorkerSection {
    mp3: Uint8Array
    sampleRate: number
    timings: SectionAudio['blocks']
  }

  const toAudio = (result: WorkerSection): SectionAudio => {
    const mp3 = new Uint8Array(result.mp3)
    // Decoders play LAME's encoder delay (measured with ffmpeg: 1105 samples) before the audio.
    const delayMs = (LAME_DELAY_SAMPLES / result.sampleRate) * 1000
    const blocks = result.timings.map((t) => roundTiming({id: t.id, startMs: t.startMs + delayMs, endMs: t.endMs + delayMs}))
    return {mp3, durationMs: scanMp3(mp3).durationMs, sampleRate: result.sampleRate, blocks}
  }

  const engine: Engine = {
    name: 'espeak',
    version: ESPEAK_VERSION,
    async synthesize(job, warn) {
      let audio: SectionAudio | Error = new Error('no audio')
      await engine.synthesizeAll([job], (_, code, message) => warn(code, message), (_, outcome) => (audio = outcome))
      if (audio instanceof Error) throw audio
      return audio
    },
    async synthesizeAll(jobs, _warn, done) {
      // One fresh eSpeak instance per section: eSpeak carries state from one utterance to the
      // next (a few samples differ), so sharing an instance would make a section's audio depend
      // on its neighbours, the cache state and the core count. Longest sections start first.
      const order = jobs.map((_, i) => i).sort((a, b) => weight(jobs[b]!) - weight(jobs[a]!) || a - b)
      await Promise.all(
        order.map(async (index) => {
          const job = jobs[index]!
          const batch = {
            sections: [{blocks: job.blocks.map((block) => ({id: block.id, lines: espeakLines(block, job.language), pauseMs: block.pauseMs}))}],
            args: ['-v', parseEspeakVoice(job.blocks[0]?.voice.voice ?? 'cmn').name],
            bitrate: ESPEAK_BITRATE
          }
          let reported = false
          try {
            await pool.run('batch', batch, (message) => {
              reported = true
              done(index, toAudio((message as {result: WorkerSection}).result))
            })
          } catch (error) {
            if (!reported) done(index, error instanceof Error ? error : new Error(String(error)))
          }
        })
      )
    },
    close: () => pool.close()
  }
  return engine
}

const weight = (job: SectionJob) => job.blocks.reduce((n, b) => n + b.text.length, 0)

const roundTiming = (t: {id: string; startMs: number; endMs: number}) => ({id: t.id, startMs: Math.round(t.startMs), endMs: Math.round(t.endMs)})

/** eSpeak's voice list (`espeak-ng --voices`), parsed. */
export async function listEspeakVoices(): Promise<VoiceInfo[]> {
  const pool = new WorkerPool(1)
  try {
    const lines = await pool.run<string[]>('voices', {})
    const voices: VoiceInfo[] = []
    for (const line of lines.slice(1)) {
      // Pty Language       Age/Gender VoiceName          File                 Other Languages
      const cols = line.trim().split(/\s+/)
      if (cols.length < 4) continue
      const [, language, ageGender, voiceName] = cols as [string, string, string, string]
      const gender = ageGender.includes('F') ? 'female' : ageGender.includes('M') ? 'male' : undefined
      voices.push({name: language, language, gender, ...(voiceName ? {description: voiceName} : {})})
    }
    return voices
  } finally {
    await pool.close()
  }
}
