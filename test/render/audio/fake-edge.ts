/**
 * A local stand-in for the Edge "Read aloud" WebSocket service on 127.0.0.1.
 *
 * Speaks the same protocol as the real one, as msedge-tts expects it: the Sec-MS-GEC token is
 * checked against the server's clock (403 otherwise); the client sends `speech.config` then
 * `ssml` text messages; the server answers `turn.start`, `audio.metadata` (word boundaries),
 * binary `audio` frames (2-byte header length, headers, MP3 data) and `turn.end`.
 * The audio is real MP3 (24 kHz, 48 kbit/s mono, a tone) lasting `msPerChar` per character.
 *
 * Misbehaviour on command, consumed in order: `busy429`/`busy503`/`forbidden` refuse the next
 * handshake; `drop` closes the socket mid-audio; `stall` goes silent; `truncate` sends a tenth of
 * the audio and a normal turn.end; `error` closes with 1011 before any audio.
 */
import {createHash} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {WebSocketServer, type WebSocket} from 'ws'
import {createMp3Encoder} from 'wasm-media-encoders'

export type Misbehaviour = 'busy429' | 'busy503' | 'forbidden' | 'drop' | 'stall' | 'truncate' | 'error'
const HANDSHAKE: Misbehaviour[] = ['busy429', 'busy503', 'forbidden']

export interface LoggedRequest {
  requestId: string
  voices: string[]
  elements: string[]
  /** The text as sent (escaped), between the innermost tags. */
  body: string
  /** UTF-8 bytes of `body`. */
  bytes: number
  /** The prosody element's attributes, e.g. `pitch="+0Hz" rate="-10%" volume="+0%"`. */
  prosody: string
  answered: Misbehaviour | 'ok'
}

export interface FakeEdge {
  endpoint: string
  voicesUrl: string
  requests: LoggedRequest[]
  handshakes: number
  maxConcurrent: number
  misbehave(...commands: Misbehaviour[]): void
  close(): Promise<void>
}

const TOKEN = '6A5AA1D4EAFF4E9FB37E23D68491D6F4'
const SAMPLE_RATE = 24000

/** Sec-MS-GEC for a given clock: SHA-256 of Windows file-time ticks (rounded to 5 min) + token. */
export function secMsGec(nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000) + 11644473600
  const rounded = seconds - (seconds % 300)
  return createHash('sha256')
    .update(`${BigInt(rounded) * 10_000_000n}${TOKEN}`)
    .digest('hex')
    .toUpperCase()
}

async function toneFrames(): Promise<Buffer[]> {
  const encoder = await createMp3Encoder()
  encoder.configure({sampleRate: SAMPLE_RATE, channels: 1, bitrate: 48, outputSampleRate: SAMPLE_RATE})
  const samples = new Float32Array(SAMPLE_RATE * 4)
  for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE)
  const bytes = Buffer.concat([Buffer.from(encoder.encode([samples])), Buffer.from(encoder.finalize())])
  const frames: Buffer[] = []
  let at = 0
  while (at + 4 <= bytes.length) {
    // MPEG-2 layer III, 24 kHz, 48 kbit/s: 144 bytes + padding bit.
    if (bytes[at] !== 0xff) break
    const length = 144 + ((bytes[at + 2]! >> 1) & 1)
    frames.push(bytes.subarray(at, at + length))
    at += length
  }
  return frames.slice(4, -4)
}

const header = (requestId: string, path: string, type = 'application/json; charset=utf-8') =>
  `X-RequestId:${requestId}\r\nContent-Type:${type}\r\nX-Timestamp:${new Date().toISOString()}\r\nPath:${path}\r\n`

function audioMessage(requestId: string, data: Buffer): Buffer {
  const head = Buffer.from(header(requestId, 'audio', 'audio/mpeg'))
  const length = Buffer.alloc(2)
  length.writeUInt16BE(head.length)
  return Buffer.concat([length, head, data])
}

const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"})[e]!)

export async function startFakeEdge(options: {clockSkewMs?: number; msPerChar?: number; stallMs?: number} = {}): Promise<FakeEdge> {
  const frames = await toneFrames()
  const msPerChar = options.msPerChar ?? 180
  const commands: Misbehaviour[] = []
  const requests: LoggedRequest[] = []
  let handshakes = 0
  let open = 0
  let maxConcurrent = 0
  const sockets = new Set<WebSocket>()

  const server = http.createServer((req, res) => {
    // The service's clock, for clients that correct their token from the Date header.
    res.setHeader('Date', new Date(Date.now() + (options.clockSkewMs ?? 0)).toUTCString())
    if (req.url?.startsWith('/consumer/speech/synthesize/readaloud/voices/list')) {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(
        JSON.stringify([
          {ShortName: 'zh-CN-XiaoxiaoNeural', Locale: 'zh-CN', Gender: 'Female', FriendlyName: 'Microsoft Xiaoxiao Online (Natural) - Chinese (Mainland)'},
          {ShortName: 'zh-CN-YunxiNeural', Locale: 'zh-CN', Gender: 'Male', FriendlyName: 'Microsoft Yunxi Online (Natural) - Chinese (Mainland)'}
        ])
      )
      return
    }
    res.writeHead(404).end()
  })
  const wss = new WebSocketServer({noServer: true})

  server.on('upgrade', (req, socket, head) => {
    handshakes++
    const url = new URL(req.url ?? '/', 'http://localhost')
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (commands[0] && HANDSHAKE.includes(commands[0])) {
      const command = commands.shift()!
      if (command === 'busy429') return refuse(429, 'Too Many Requests')
      if (command === 'busy503') return refuse(503, 'Service Unavailable')
      return refuse(403, 'Forbidden')
    }
    if (url.searchParams.get('TrustedClientToken') !== TOKEN) return refuse(403, 'Forbidden')
    if (url.searchParams.get('Sec-MS-GEC') !== secMsGec(Date.now() + (options.clockSkewMs ?? 0))) return refuse(403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('message', (data, isBinary) => {
        if (isBinary) return
        void answer(ws, data.toString())
      })
    })
  })

  async function answer(ws: WebSocket, message: string): Promise<void> {
    if (!message.includes('Path:ssml')) return
    const requestId = /X-RequestId:(\S+)/.exec(message)?.[1] ?? 'unknown'
    const ssml = message.slice(message.indexOf('\r\n\r\n') + 4)
    const voices = [...ssml.matchAll(/<voice[^>]*\bname=["']([^"']+)["']/g)].map((m) => m[1]!)
    const elements = [...new Set([...ssml.matchAll(/<([a-zA-Z][\w:-]*)/g)].map((m) => m[1]!))]
    const body = ssml.replace(/^[\s\S]*<prosody[^>]*>/, '').replace(/<\/prosody>[\s\S]*$/, '')
    const command = commands[0] && !HANDSHAKE.includes(commands[0]) ? commands.shift()! : undefined
    const prosody = /<prosody\s+([^>]*)>/.exec(ssml)?.[1] ?? ''
    requests.push({requestId, voices, elements, body, bytes: Buffer.byteLength(body), prosody, answered: command ?? 'ok'})
    const text = unescape(body)
    // Concurrency is counted per request in flight (closing handshakes may overlap).
    maxConcurrent = Math.max(maxConcurrent, ++open)
    try {
      await respond(ws, requestId, text, command)
    } finally {
      open--
    }
  }

  async function respond(ws: WebSocket, requestId: string, text: string, command: Misbehaviour | undefined): Promise<void> {
    const send = (data: string | Buffer) => ws.readyState === ws.OPEN && ws.send(data)

    send(header(requestId, 'turn.start') + '\r\n' + JSON.stringify({context: {serviceTag: 'fake'}}))
    if (command === 'stall') return void (await new Promise((resolve) => ws.once('close', resolve)))
    if (command === 'error') return void ws.close(1011, 'internal error')
    const chars = [...text].filter((c) => /[\p{L}\p{N}]/u.test(c)).length
    const durationMs = chars * msPerChar
    let count = Math.max(1, Math.ceil(durationMs / 24))
    // Word boundaries for the whole text (one "word" per character, as for Chinese).
    const boundaries = [...text].filter((c) => /[\p{L}\p{N}]/u.test(c))
    const metadata = boundaries.map((c, i) => ({
      Type: 'WordBoundary',
      Data: {Offset: i * msPerChar * 10_000, Duration: msPerChar * 10_000, text: {Text: c, Length: 1, BoundaryType: 'WordBoundary'}}
    }))
    for (let i = 0; i < metadata.length; i += 20) {
      send(header(requestId, 'audio.metadata') + '\r\n' + JSON.stringify({Metadata: metadata.slice(i, i + 20)}))
    }
    if (command === 'truncate') count = Math.max(1, Math.floor(count / 10))
    const perMessage = 28
    for (let i = 0; i < count; i += perMessage) {
      const chunk = Buffer.concat(
        Array.from({length: Math.min(perMessage, count - i)}, (_, j) => frames[(i + j) % frames.length]!)
      )
      send(audioMessage(requestId, chunk))
      if (command === 'drop' && i + perMessage >= count / 2) return void ws.terminate()
      await new Promise((resolve) => setImmediate(resolve))
    }
    send(header(requestId, 'turn.end') + '\r\n' + JSON.stringify({context: {serviceTag: 'fake'}}))
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    endpoint: `ws://127.0.0.1:${port}/consumer/speech/synthesize/readaloud/edge/v1`,
    voicesUrl: `http://127.0.0.1:${port}/consumer/speech/synthesize/readaloud/voices/list?trustedclienttoken=${TOKEN}`,
    requests,
    get handshakes() {
      return handshakes
    },
    get maxConcurrent() {
      return maxConcurrent
    },
    misbehave: (...list) => commands.push(...list),
    close: async () => {
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
