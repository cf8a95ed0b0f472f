/** Just enough PNG decoding (8-bit RGB/RGBA/grey, non-interlaced) to measure a screenshot. */
import {unzlibSync} from 'fflate'

export interface Pixels {
  width: number
  height: number
  /** RGB triples, row by row. */
  rgb: Uint8Array
}

export function decodePng(bytes: Uint8Array): Pixels {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Uint8Array[] = []
  while (offset < bytes.length) {
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8))
    const data = bytes.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8)
      height = view.getUint32(offset + 12)
      const [depth, colour, , , interlace] = data.subarray(8, 13)
      if (depth !== 8 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, interlace ${interlace}`)
      channels = ({0: 1, 2: 3, 4: 2, 6: 4} as Record<number, number>)[colour!] ?? 0
      if (!channels) throw new Error(`unsupported PNG colour type ${colour}`)
    } else if (type === 'IDAT') idat.push(data)
    offset += 12 + length
  }
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0))
  let at = 0
  for (const d of idat) joined.set(d, (at += d.length) - d.length)
  const raw = unzlibSync(joined)
  const stride = width * channels
  const rows = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? rows[y * stride + x - channels]! : 0
      const b = y > 0 ? rows[(y - 1) * stride + x]! : 0
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels]! : 0
      let predicted = 0
      if (filter === 1) predicted = a
      else if (filter === 2) predicted = b
      else if (filter === 3) predicted = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      rows[y * stride + x] = (line[x]! + predicted) & 0xff
    }
  }
  const rgb = new Uint8Array(width * height * 3)
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = rows[i * channels + (channels >= 3 ? k : 0)]!
  }
  return {width, height, rgb}
}

/** Share of pixels darker than `threshold` (0–255 luminance). */
export function darkShare(pixels: Pixels, threshold = 128): number {
  let dark = 0
  const count = pixels.width * pixels.height
  for (let i = 0; i < count; i++) {
    const y = 0.299 * pixels.rgb[i * 3]! + 0.587 * pixels.rgb[i * 3 + 1]! + 0.114 * pixels.rgb[i * 3 + 2]!
    if (y < threshold) dark++
  }
  return dark / count
}
