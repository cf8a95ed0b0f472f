/**
 * The online engine: Microsoft Edge "Read aloud" neural voices through `msedge-tts`.
 *
 * What the real service does, and how we cope (rany2/edge-tts #21, #190, #235, #390, #452, PR #394):
 * - ≤ 4096 bytes of text per request → blocks split at sentence ends, then clause marks;
 *   cuts are made before escaping so an XML entity is never split.
 * - Only <speak>, <voice>, <prosody>; one voice per request → one request per block chunk,
 *   MP3 frames stitched together with encoded silence for the pauses.
 * - Truncated audio without an error under load → each clip's frame-counted duration is checked
 *   against its text length and its word boundaries; a short clip is requested again.
 * - 429/503, dropped and stalled sockets → a request cap, a stall timer, retries with exponential
 *   backoff and jitter, then an error naming the section.
 * - The Sec-MS-GEC token is derived from the clock → a refused handshake (403) says to check it.
 */
import {createHash} from 'node:crypto'
import {MsEdgeTTS, OUTPUT_FORMAT} from 'msedge-tts'
import {createMp3Encoder} from 'wasm-media-encoders'
import type {Engine, SectionAudio, SectionJob, VoiceInfo} from './engine.js'
import {audioFrames, concatBytes, readFrameHeader, scanMp3} from './mp3.js'
import {escapeXml, normalisePitch, normaliseRate, normaliseVolume, rateFactor, splitForRequest} from './ssml.js'
import {EDGE_FORMAT, EDGE_VERSION} from './versions.js'
import type {ResolvedVoice} from './voices.js'

export const EDGE_URL = 'wss://speech.platform.bing.com/consumer/speech/synthesize/readaloud/edge/v1'
export const EDGE_VOICES_URL =
  'https://speech.platform.bing.com/consumer/speech/synthesize/readaloud/voices/list?trustedclienttoken=6A5AA1D4EAFF4E9FB37E23D68491D6F4'
const FORMAT = EDGE_FORMAT as OUTPUT_FORMAT
const SAMPLE_RATE = 24000
/** Text bytes per request (the service's limit is 4096; leave room for nothing else to matter). */
export const MAX_REQUEST_BYTES = 4096

export interface EdgeSettings {
  /** WebSocket endpoint; tests point it at a local fake. */
  endpoint?: string
  /** Simultaneous requests (the service throttles beyond a few). */
  concurrency: number
  /** Attempts after the first. */
  retries: number
  /** A socket silent for this long is abandoned. */
  timeoutMs: number
  /** First backoff delay; doubles each retry, with jitter. */
  backoffMs?: number
}

export class EdgeError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The handshake was refused: possibly a skewed clock. */
    readonly refused = false
  ) {
    super(message)
  }
}

/** Another request of the same section failed; this one stopped early. */
class Cancelled extends Error {}

interface Clip {
  frames: Uint8Array
  durationMs: number
}

/** A counting semaphore: at most `size` requests in flight, book-wide. */
function limiter(size: number) {
  let active = 0
  const queue: (() => void)[] = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= size) await new Promise<void>((resolve) => queue.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      queue.shift()?.()
    }
  }
}

export function edgeSsml(text: string, voice: ResolvedVoice, language: string): string {
  const rate = normaliseRate(voice.rate) ?? '+0%'
  const pitch = normalisePitch(voice.pitch) ?? '+0Hz'
  const volume = normaliseVolume(voice.volume) ?? '+0%'
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${escapeXml(language)}">` +
    `<voice name="${escapeXml(voice.voice)}"><prosody pitch="${pitch}" rate="${rate}" volume="${volume}">` +
    `${escapeXml(text)}</prosody></voice></speak>`
  )
}

/** The least a complete clip can last: fast speech is ~8 Chinese characters or ~5 words a second. */
export function minimumPlausibleMs(text: string, rate?: string): number {
  const cjk = (text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu) ?? []).length
  const words = (text.replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu, ' ').match(/[\p{L}\p{N}]+/gu) ?? []).length
  return ((cjk * 125 + words * 200) / rateFactor(normaliseRate(rate))) * 0.8
}

/** Use `endpoint` for the next connections (msedge-tts reads a static URL). */
function pointAt(endpoint: string): void {
  ;(MsEdgeTTS as unknown as {WSS_URL: string}).WSS_URL = endpoint
}

const TRUSTED_CLIENT_TOKEN = '6A5AA1D4EAFF4E9FB37E23D68491D6F4'
/**
 * Offset added to our clock for the next token. msedge-tts builds the URL and token synchronously
 * when a connection starts, so each request sets its engine's offset right before connecting.
 */
let tokenClockOffsetMs = 0

/**
 * Sec-MS-GEC: SHA-256 of the Windows file-time (100 ns ticks since 1601) rounded down to 5 minutes,
 * followed by the client token. Same algorithm as msedge-tts, but on a corrected clock.
 */
export function secMsGec(nowMs: number): string {
  const seconds = BigInt(Math.floor(nowMs / 1000) + 11644473600)
  const ticks = (seconds - (seconds % 300n)) * 10_000_000n
  return createHash('sha256').update(`${ticks}${TRUSTED_CLIENT_TOKEN}`, 'ascii').digest('hex').toUpperCase()
}

;(MsEdgeTTS as unknown as {generateSecMsGec: () => Promise<string>}).generateSecMsGec = async () => secMsGec(Date.now() + tokenClockOffsetMs)

/** The voice-list URL on the same host as a WebSocket endpoint. */
export function voicesUrlFor(endpoint: string): string {
  const url = new URL(endpoint)
  url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:'
  url.pathname = url.pathname.replace(/\/edge\/v1$/, '/voices/list')
  url.search = `?trustedclienttoken=${TRUSTED_CLIENT_TOKEN}`
  return url.toString()
}

/** Server clock minus ours, from an HTTP `Date` header (±1 s is plenty for 5-minute windows). */
async function serverClockOffset(endpoint: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const before = Date.now()
    const response = await fetch(voicesUrlFor(endpoint), {method: 'HEAD', signal: AbortSignal.timeout(timeoutMs)})
    const after = Date.now()
    const date = Date.parse(response.headers.get('date') ?? '')
    return Number.isNaN(date) ? undefined : date - (before + after) / 2
  } catch {
    return undefined
  }
}

type FrameHandler = (message: unknown) => void

/**
 * msedge-tts parses every frame inside its socket's message handler and throws on frames
 * that break the protocol (no X-RequestId header...). Thrown there, the error escapes every
 * promise and crashes the process. Wrap the handler as the library installs it, so such a
 * frame fails this request (retryably) instead.
 */
function guardFrames(tts: MsEdgeTTS, fail: (error: Error) => void): void {
  let socket: object | undefined
  Object.defineProperty(tts, '_ws', {
    configurable: true,
    enumerable: true,
    get: () => socket,
    set(value: object | undefined) {
      socket = value
      if (!value) return
      const native = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(value), 'onmessage')
      if (!native?.set || !native.get) return
      Object.defineProperty(value, 'onmessage', {
        configurable: true,
        get: () => native.get!.call(value),
        set(handler: FrameHandler | null) {
          const guarded: FrameHandler | null = handler && ((message) => {
            try {
              handler.call(value, message)
            } catch (error) {
              fail(new EdgeError(`malformed frame from the service (${(error as Error).message})`, true))
            }
          })
          native.set!.call(value, guarded)
        }
      })
    }
  })
}

/** One request on its own connection: MP3 bytes and the word boundaries the service reported. */
async function requestOnce(
  ssml: string,
  voice: string,
  settings: EdgeSettings,
  clockOffsetMs: number
): Promise<{mp3: Uint8Array; spokenMs: number}> {
  const tts = new MsEdgeTTS()
  let rejectGarbled: (error: Error) => void = () => {}
  const garbled = new Promise<never>((_, reject) => (rejectGarbled = reject))
  garbled.catch(() => {}) // raced below; never an unhandled rejection on its own
  guardFrames(tts, (error) => rejectGarbled(error))
  let timer: NodeJS.Timeout | undefined
  const stall = (what: string) =>
    new Promise<never>((_, reject) => {
      clearTimeout(timer)
      timer = setTimeout(() => reject(new EdgeError(`no data for ${settings.timeoutMs} ms (${what})`, true)), settings.timeoutMs)
    })
  try {
    pointAt(settings.endpoint ?? EDGE_URL)
    tokenClockOffsetMs = clockOffsetMs
    await Promise.race([tts.setMetadata(voice, FORMAT, {wordBoundaryEnabled: true}), stall('connecting'), garbled]).catch((error: unknown) => {
      throw classify(error)
    })
    const {audioStream, metadataStream} = tts.rawToStream(ssml)
    const chunks: Buffer[] = []
    let spokenMs = 0
    metadataStream?.on('data', (chunk: Buffer) => {
      try {
        const parsed = JSON.parse(chunk.toString()) as {Metadata?: {Type: string; Data: {Offset: number; Duration: number}}[]}
        for (const item of parsed.Metadata ?? []) {
          if (item.Type === 'WordBoundary') spokenMs = Math.max(spokenMs, (item.Data.Offset + item.Data.Duration) / 10_000)
        }
      } catch {
        // Malformed metadata only weakens the truncation check.
      }
    })
    const done = new Promise<void>((resolve, reject) => {
      audioStream.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        void stall('receiving audio').catch(reject)
      })
      audioStream.on('end', resolve)
      audioStream.on('error', (error) => reject(classify(error)))
    })
    await Promise.race([done, stall('waiting for audio'), garbled])
    return {mp3: new Uint8Array(Buffer.concat(chunks)), spokenMs}
  } finally {
    clearTimeout(timer)
    try {
      tts.close()
    } catch {
      // Closing a socket that never opened.
    }
  }
}

/** Turn library/socket errors into messages a user can act on, and say whether to retry. */
function classify(error: unknown): EdgeError {
  if (error instanceof EdgeError) return error
  const message = error instanceof Error ? error.message : String(error)
  const status = message.match(/Unexpected server response: (\d{3})/)?.[1]
  if (status === '403') {
    return new EdgeError(
      'the service refused the handshake (HTTP 403). The Sec-MS-GEC token is derived from the system clock: ' +
        `check that this machine's clock is correct (it reads ${new Date().toISOString()})`,
      false,
      true
    )
  }
  if (status === '429' || status === '503' || status === '502' || status === '500') {
    return new EdgeError(`the service is busy (HTTP ${status})`, true)
  }
  if (status) return new EdgeError(`the service refused the connection (HTTP ${status})`, false)
  if (/voiceLocale/.test(message)) {
    return new EdgeError(`not an Edge voice name (expected e.g. zh-CN-XiaoxiaoNeural): ${message}`, false)
  }
  if (/ENOTFOUND|EAI_AGAIN|ENETUNREACH/.test(message)) {
    return new EdgeError(`cannot reach the service (no network or DNS?): ${message}`, true)
  }
  if (/truncated|closed|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|No audio/i.test(message)) {
    return new EdgeError(`connection lost: ${message}`, true)
  }
  return new EdgeError(message, true)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function createEdgeEngine(settings: EdgeSettings): Engine {
  const limit = limiter(Math.max(1, settings.concurrency))
  const backoff = settings.backoffMs ?? 500
  let clockCheck: Promise<boolean> | undefined
  /** Server time minus local time, learnt from the service's `Date` header after a refused handshake. */
  let clockOffsetMs = 0

  /** After a 403: learn the server's clock once; true when a correction was applied (retry then). */
  function correctClock(warn: (code: string, message: string) => void): Promise<boolean> {
    clockCheck ??= serverClockOffset(settings.endpoint ?? EDGE_URL, settings.timeoutMs).then((offset) => {
      if (offset === undefined || Math.abs(offset - clockOffsetMs) < 60_000) return false
      clockOffsetMs = offset
      warn('audio-clock-skew', `this machine's clock differs from the service's by ${Math.round(offset / 1000)} s; corrected for the Sec-MS-GEC token — please fix the system clock`)
      return true
    })
    return clockCheck
  }
  let silenceFrames: Promise<Uint8Array[]> | undefined

  /** One clip with retries; a short clip counts as a failure until the last attempt. */
  async function clip(
    text: string,
    voice: ResolvedVoice,
    language: string,
    warn: (code: string, message: string) => void,
    state: {failed: boolean}
  ): Promise<Clip> {
    const ssml = edgeSsml(text, voice, language)
    const minimum = minimumPlausibleMs(text, voice.rate)
    let lastError: EdgeError | undefined
    let best: Clip | undefined
    let clockCorrected = false
    for (let attempt = 0; attempt <= settings.retries; attempt++) {
      if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1) * (0.5 + Math.random()))
      if (state.failed) throw new Cancelled()
      try {
        const {mp3, spokenMs} = await limit(() => {
          if (state.failed) throw new Cancelled()
          return requestOnce(ssml, voice.voice, settings, clockOffsetMs)
        })
        const scan = scanMp3(mp3)
        if (scan.frames === 0) throw new EdgeError('the service returned no audio', true)
        const result = {frames: audioFrames(mp3), durationMs: scan.durationMs}
        const short = scan.durationMs < minimum || (spokenMs > 0 && scan.durationMs + 100 < spokenMs)
        if (!short) return result
        if (!best || result.durationMs > best.durationMs) best = result
        lastError = new EdgeError(
          `audio looks truncated (${Math.round(scan.durationMs)} ms for ${[...text].length} characters)`,
          true
        )
      } catch (error) {
        if (error instanceof Cancelled) throw error
        lastError = classify(error)
        if (lastError.refused && !clockCorrected && (await correctClock(warn))) {
          // A corrected clock earns one more attempt, not counted against the retries.
          clockCorrected = true
          attempt--
          continue
        }
        if (!lastError.retryable) break
      }
    }
    if (best) {
      warn('audio-truncated', `${lastError?.message ?? 'short audio'}; kept the longest of ${settings.retries + 1} attempts`)
      return best
    }
    throw lastError ?? new EdgeError('synthesis failed', false)
  }

  /** Silent frames at the service's format, for pauses between clips. */
  async function silence(ms: number): Promise<Uint8Array> {
    silenceFrames ??= encodeSilence()
    const frames = await silenceFrames
    const count = Math.max(0, Math.round(ms / ((576 / SAMPLE_RATE) * 1000)))
    const out: Uint8Array[] = []
    for (let i = 0; i < count; i++) out.push(frames[i % frames.length]!)
    return concatBytes(out)
  }

  const engine: Engine = {
    name: 'edge',
    version: EDGE_VERSION,
    async synthesize(job: SectionJob, warn): Promise<SectionAudio> {
      // Request everything concurrently (the limiter caps it), then stitch in order. After a
      // failure the other requests of the section stop at their next step, and we wait for
      // them to settle so nothing runs on after the section has failed.
      const state = {failed: false}
      const settled = await Promise.allSettled(
        job.blocks.flatMap((block, index) =>
          splitForRequest(block.text, MAX_REQUEST_BYTES).map((piece) =>
            clip(piece, block.voice, job.language, warn, state)
              .then((c) => ({index, clip: c}))
              .catch((error: unknown) => {
                state.failed = true
                throw error
              })
          )
        )
      )
      const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof Cancelled))
      if (failure) throw failure.reason
      const clips: Clip[][] = job.blocks.map(() => [])
      for (const r of settled) if (r.status === 'fulfilled') clips[r.value.index]!.push(r.value.clip)
      const parts: Uint8Array[] = []
      const blocks: SectionAudio['blocks'] = []
      let cursor = 0
      for (const [i, block] of job.blocks.entries()) {
        const start = cursor
        for (const c of clips[i]!) {
          parts.push(c.frames)
          cursor += c.durationMs
        }
        blocks.push({id: block.id, startMs: Math.round(start), endMs: Math.round(cursor)})
        const pause = await silence(block.pauseMs)
        parts.push(pause)
        cursor += scanMp3(pause).durationMs
      }
      const mp3 = concatBytes(parts)
      return {mp3, durationMs: scanMp3(mp3).durationMs, sampleRate: SAMPLE_RATE, blocks}
    },
    async synthesizeAll(jobs, warn, done) {
      // Sections share the engine's request cap; each reports as soon as it is stitched.
      await Promise.all(
        jobs.map((job, index) =>
          engine.synthesize(job, (code, message) => warn(index, code, message)).then(
            (audio) => done(index, audio),
            (error: unknown) => done(index, error instanceof Error ? error : new Error(String(error)))
          )
        )
      )
    },
    close: async () => {}
  }
  return engine
}

async function encodeSilence(): Promise<Uint8Array[]> {
  const encoder = await createMp3Encoder()
  encoder.configure({sampleRate: SAMPLE_RATE, channels: 1, bitrate: 48, outputSampleRate: SAMPLE_RATE})
  const encoded = concatBytes([encoder.encode([new Float32Array(SAMPLE_RATE * 2)]).slice(), encoder.finalize().slice()])
  const frames: Uint8Array[] = []
  const scan = scanMp3(encoded)
  let at = scan.start
  while (at < scan.end) {
    const header = readFrameHeader(encoded, at)!
    frames.push(encoded.slice(at, at + header.length))
    at += header.length
  }
  // Skip the encoder's first frames (delay, reservoir start) and the last (flush).
  return frames.slice(4, -4)
}

/** Edge's voice list (network; the endpoint can be overridden for tests and proxies). */
export async function listEdgeVoices(options: {voicesUrl?: string; timeoutMs?: number} = {}): Promise<VoiceInfo[]> {
  const url = options.voicesUrl ?? EDGE_VOICES_URL
  let response: Response
  try {
    response = await fetch(url, {signal: AbortSignal.timeout(options.timeoutMs ?? 15_000)})
  } catch (error) {
    // fetch says only "fetch failed"; the cause names what went wrong (ENOTFOUND, ECONNREFUSED, a timeout).
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    const why = cause?.code ?? cause?.message ?? (error as Error).message
    throw new EdgeError(`cannot fetch the voice list from ${new URL(url).host}: ${why}`, true)
  }
  if (!response.ok) throw new EdgeError(`voice list request failed (HTTP ${response.status})`, response.status >= 500)
  const voices = (await response.json()) as {ShortName: string; Locale: string; Gender?: string; FriendlyName?: string}[]
  return voices.map((v) => ({name: v.ShortName, language: v.Locale, gender: v.Gender?.toLowerCase(), description: v.FriendlyName}))
}
