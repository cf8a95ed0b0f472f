/**
 * Just enough MP3 (MPEG audio layer III) parsing to count frames, measure a clip's decoded
 * duration without a decoder, strip tags, and stitch clips: CBR streams with equal
 * parameters concatenate frame by frame.
 */

const BITRATES: Record<'v1' | 'v2', number[]> = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
}
const SAMPLE_RATES: Record<number, number[]> = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}

export interface FrameHeader {
  sampleRate: number
  bitrate: number
  /** Bytes, header included. */
  length: number
  samples: number
}

export function readFrameHeader(bytes: Uint8Array, at: number): FrameHeader | undefined {
  if (at + 4 > bytes.length) return undefined
  const b1 = bytes[at + 1]!
  const b2 = bytes[at + 2]!
  if (bytes[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined
  const version = (b1 >> 3) & 3 // 3: MPEG1, 2: MPEG2, 0: MPEG2.5
  const layer = (b1 >> 1) & 3 // 1: layer III
  if (version === 1 || layer !== 1) return undefined
  const bitrateIndex = b2 >> 4
  const rateIndex = (b2 >> 2) & 3
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined
  const bitrate = BITRATES[version === 3 ? 'v1' : 'v2'][bitrateIndex]! * 1000
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!
  const padding = (b2 >> 1) & 1
  const samples = version === 3 ? 1152 : 576
  const length = Math.floor((samples / 8) * bitrate / sampleRate) + padding
  return {sampleRate, bitrate, length, samples}
}

/** Size of a leading ID3v2 tag (0 when there is none). */
export function id3v2Size(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f)
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0)
}

export interface FrameScan {
  frames: number
  samples: number
  sampleRate: number
  bitrate: number
  durationMs: number
  /** Byte range of the audio frames (tags and Xing/Info frames excluded). */
  start: number
  end: number
}

/** Walk the frames of an MP3; tolerant of a leading tag and of trailing garbage. */
export function scanMp3(bytes: Uint8Array): FrameScan {
  let at = id3v2Size(bytes)
  // Resynchronise if the stream does not start on a frame.
  while (at < bytes.length && !readFrameHeader(bytes, at)) at++
  let start = at
  let frames = 0
  let samples = 0
  let sampleRate = 0
  let bitrate = 0
  let end = at
  while (at < bytes.length) {
    const header = readFrameHeader(bytes, at)
    if (!header || at + header.length > bytes.length) break
    if (frames === 0 && isInfoFrame(bytes, at, header.length)) {
      at += header.length
      start = at
      end = at
      continue
    }
    frames++
    samples += header.samples
    sampleRate = header.sampleRate
    bitrate = header.bitrate
    at += header.length
    end = at
  }
  const durationMs = sampleRate ? (samples / sampleRate) * 1000 : 0
  return {frames, samples, sampleRate, bitrate, durationMs, start, end}
}

function isInfoFrame(bytes: Uint8Array, at: number, length: number): boolean {
  const text = Buffer.from(bytes.subarray(at, at + Math.min(length, 64))).toString('latin1')
  return text.includes('Xing') || text.includes('Info')
}

/** The bare audio frames of a clip (no tags, no Xing/Info frame). */
export function audioFrames(bytes: Uint8Array): Uint8Array {
  const scan = scanMp3(bytes)
  return bytes.subarray(scan.start, scan.end)
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
