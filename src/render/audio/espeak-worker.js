// @ts-check
/**
 * Worker thread for the offline engine: eSpeak NG (WebAssembly) → PCM → LAME (WebAssembly) → MP3.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit tsx's loader, and this file
 * only needs the two npm packages.
 *
 * One eSpeak instance speaks a batch of sections (the engine sends one section per batch:
 * eSpeak carries a little state between utterances, and a section's audio must not depend on
 * its neighbours). Its CLI reads stdin line by line and flushes stdout after each line, so when
 * it asks for the next line, everything on stdout since the previous request is exactly that
 * line's audio: per-block timings from a single instance (instantiating eSpeak costs ~170 ms;
 * synthesis itself is fast). When the last line of a section is done, the section is encoded
 * (synchronously, LAME is ready) and posted at once.
 */
import fs from 'node:fs'
import {createRequire} from 'node:module'
import {parentPort} from 'node:worker_threads'
import ESpeakNg from 'espeak-ng'
import {createMp3Encoder} from 'wasm-media-encoders'

const require = createRequire(import.meta.url)
const WASM_FILE = require.resolve('espeak-ng/dist/espeak-ng.wasm')
const WAV_HEADER = 44

/** @type {Promise<WebAssembly.Module> | undefined} */
let compiled
/** @type {Promise<any> | undefined} */
let encoderPromise

function espeakModule() {
  compiled ??= WebAssembly.compile(fs.readFileSync(WASM_FILE))
  return compiled
}

function mp3Encoder() {
  encoderPromise ??= createMp3Encoder()
  return encoderPromise
}

/**
 * Instantiate eSpeak with a deterministic clock. eSpeak reads the clock while speaking and its
 * output for the second and later lines of a run changes with it; a counter that advances on
 * every read keeps any waiting loop moving and makes the audio reproducible.
 * @param {WebAssembly.Module} module
 */
function instantiateWith(module) {
  return (/** @type {any} */ imports, /** @type {(i: WebAssembly.Instance) => void} */ done) => {
    let now = 0
    imports.env.emscripten_date_now = () => (now += 1)
    imports.env.emscripten_get_now = () => (now += 1)
    WebAssembly.instantiate(module, imports).then(done)
    return {}
  }
}

/** A growable byte sink for stdout. */
function sink() {
  let buffer = new Uint8Array(1 << 20)
  let length = 0
  return {
    /** @param {Uint8Array} bytes */
    write(bytes) {
      if (length + bytes.length > buffer.length) {
        const bigger = new Uint8Array(Math.max(buffer.length * 2, length + bytes.length))
        bigger.set(buffer.subarray(0, length))
        buffer = bigger
      }
      buffer.set(bytes, length)
      length += bytes.length
    },
    /** Everything written since the last take. */
    take() {
      const bytes = buffer.slice(0, length)
      length = 0
      return bytes
    }
  }
}

/** Remove leading/trailing near-silence so our own pauses set the rhythm. */
function trim(/** @type {Int16Array} */ samples) {
  const threshold = 64
  let start = 0
  let end = samples.length
  while (start < end && Math.abs(samples[start] ?? 0) < threshold) start++
  while (end > start && Math.abs(samples[end - 1] ?? 0) < threshold) end--
  const margin = 441
  return samples.subarray(Math.max(0, start - margin), Math.min(samples.length, end + margin))
}

/**
 * @typedef {{id: string, lines: string[], pauseMs: number}} BlockJob
 * @typedef {{blocks: BlockJob[]}} SectionJob
 * @typedef {{sections: SectionJob[], args: string[], bitrate: number}} BatchJob
 * @typedef {{mp3: Uint8Array, sampleRate: number, samples: number, timings: {id: string, startMs: number, endMs: number}[]}} SectionResult
 */

/**
 * Assemble one section from its lines' PCM: trimmed speech, then each block's pause.
 * @param {SectionJob} section
 * @param {Int16Array[]} linePcm
 * @param {number} sampleRate
 * @param {number} bitrate
 * @param {any} encoder
 * @returns {SectionResult}
 */
function assemble(section, linePcm, sampleRate, bitrate, encoder) {
  const pieces = []
  const timings = []
  let cursor = 0
  let lineIndex = 0
  for (const block of section.blocks) {
    const startSample = cursor
    for (let i = 0; i < block.lines.length; i++) {
      const samples = trim(linePcm[lineIndex++] ?? new Int16Array(0))
      pieces.push(samples)
      cursor += samples.length
    }
    const endSample = cursor
    const pause = new Int16Array(Math.round((block.pauseMs / 1000) * sampleRate))
    pieces.push(pause)
    cursor += pause.length
    timings.push({id: block.id, startMs: (startSample / sampleRate) * 1000, endMs: (endSample / sampleRate) * 1000})
  }
  const floats = new Float32Array(cursor)
  let offset = 0
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i++) floats[offset + i] = (piece[i] ?? 0) / 32768
    offset += piece.length
  }
  return {mp3: encode(encoder, floats, sampleRate, bitrate), sampleRate, samples: cursor, timings}
}

/** CBR MP3 at the input rate (synchronous once the encoder exists). */
function encode(/** @type {any} */ encoder, /** @type {Float32Array} */ samples, /** @type {number} */ sampleRate, /** @type {number} */ bitrate) {
  encoder.configure({sampleRate, channels: 1, bitrate, outputSampleRate: sampleRate})
  /** @type {Uint8Array[]} */
  const parts = []
  const chunk = 1 << 16
  for (let i = 0; i < samples.length; i += chunk) parts.push(encoder.encode([samples.subarray(i, i + chunk)]).slice())
  parts.push(encoder.finalize().slice())
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * Speak a batch; `emit(index, result)` is called as each section completes.
 * @param {BatchJob} job
 * @param {(index: number, result: SectionResult) => void} emit
 */
async function renderBatch(job, emit) {
  const module = await espeakModule()
  const encoder = await mp3Encoder()
  const text = new TextEncoder()
  /** Every line, with the section it belongs to and whether it is that section's last. */
  const lines = job.sections.flatMap((section, index) => {
    const all = section.blocks.flatMap((b) => b.lines)
    return all.map((ssml, i) => ({ssml, index, last: i === all.length - 1}))
  })
  const out = sink()
  let sampleRate = 22050
  let headerSeen = false
  /** @type {Int16Array[]} PCM per line of the section being spoken */
  let current = []
  let line = 0
  let finished = 0
  /** @type {Uint8Array | undefined} */
  let pending
  let position = 0
  let endOfLine = false
  /** @type {unknown} */
  let failure

  const finishLine = (/** @type {number} */ i) => {
    let bytes = out.take()
    if (!headerSeen && bytes.length >= WAV_HEADER && bytes[0] === 0x52 && bytes[1] === 0x49) {
      sampleRate = new DataView(bytes.buffer, bytes.byteOffset).getUint32(24, true)
      bytes = bytes.subarray(WAV_HEADER)
      headerSeen = true
    }
    const even = bytes.slice(0, bytes.length & ~1)
    current.push(new Int16Array(even.buffer, even.byteOffset, even.length / 2))
    const owner = lines[i]
    if (owner?.last) {
      const section = job.sections[owner.index]
      if (section) emit(owner.index, assemble(section, current, sampleRate, job.bitrate, encoder))
      current = []
    }
    finished = i + 1
  }

  const stdin = () => {
    try {
      if (failure) return null
      if (pending && position < pending.length) return pending[position++]
      if (endOfLine) {
        // End this read() so eSpeak speaks the line before asking for more.
        endOfLine = false
        return undefined
      }
      if (line > finished) finishLine(line - 1)
      if (line >= lines.length) return null
      pending = text.encode(lines[line++]?.ssml + '\n')
      position = 0
      endOfLine = true
      return pending[position++]
    } catch (error) {
      failure = error
      return null
    }
  }

  /** @type {string[]} */
  const errors = []
  await ESpeakNg({
    arguments: ['-m', '--stdout', ...job.args],
    print: () => {},
    printErr: (/** @type {string} */ message) => errors.push(message),
    preRun: [(/** @type {any} */ M) => M.FS.init(stdin, (/** @type {number} */ b) => out.write(Uint8Array.of(b)), () => {})],
    onRuntimeInitialized() {
      // Replace the per-byte stdout device with a bulk write (the WAV data is large).
      const stream = /** @type {any} */ (this).FS.getStream(1)
      stream.stream_ops = {
        ...stream.stream_ops,
        write: (/** @type {any} */ _s, /** @type {Uint8Array} */ buf, /** @type {number} */ offset, /** @type {number} */ length) => {
          out.write(buf.subarray(offset, offset + length))
          return length
        }
      }
    },
    instantiateWasm: instantiateWith(module)
  })
  if (failure) throw failure
  if (finished < lines.length) {
    throw new Error(`eSpeak stopped after ${finished} of ${lines.length} lines${errors.length ? `: ${errors.join(' ')}` : ''}`)
  }
}

/** `espeak-ng --voices` as text (for `imprint voices`). */
async function listVoices() {
  const module = await espeakModule()
  /** @type {string[]} */
  const lines = []
  await ESpeakNg({
    arguments: ['--voices'],
    print: (/** @type {string} */ s) => lines.push(s),
    printErr: () => {},
    instantiateWasm: instantiateWith(module)
  })
  return lines
}

parentPort?.on('message', async (/** @type {{id: number, kind: string, job?: any}} */ message) => {
  const port = parentPort
  if (!port) return
  try {
    if (message.kind === 'voices') {
      port.postMessage({id: message.id, ok: true, result: await listVoices()})
      return
    }
    await renderBatch(message.job, (index, result) => {
      port.postMessage({id: message.id, partial: true, index, result}, [result.mp3.buffer])
    })
    port.postMessage({id: message.id, ok: true})
  } catch (error) {
    port.postMessage({id: message.id, ok: false, error: error instanceof Error ? error.message : String(error)})
  }
})
