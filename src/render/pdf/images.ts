/**
 * Images for the PDF: only local PNG/JPEG files inside the manuscript's folder are read.
 * Anything else (remote, file: URLs, outside the folder, missing, other formats) is
 * reported and replaced by its alt text by the caller.
 */
import fs from 'node:fs'
import {locateLocalFile} from '../../util/local-file.js'

export type ImageResult =
  | {ok: true; dataUrl: string; widthPx: number; heightPx: number; file: string}
  | {ok: false; code: string; reason: string}

export function resolveImage(url: string, baseDir: string): ImageResult {
  const located = locateLocalFile(url, baseDir)
  if (!located.ok) return {ok: false, code: located.code, reason: `image ${located.reason}`}
  const data = fs.readFileSync(located.file)
  const size = pngSize(data) ?? jpegSize(data)
  if (!size) return {ok: false, code: 'image-format', reason: `image '${url}' is not a PNG or JPEG file`}
  const mime = data[0] === 0x89 ? 'image/png' : 'image/jpeg'
  return {ok: true, dataUrl: `data:${mime};base64,${data.toString('base64')}`, widthPx: size.width, heightPx: size.height, file: located.file}
}

function pngSize(data: Buffer): {width: number; height: number} | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (data.length < 24 || !signature.every((byte, i) => data[i] === byte)) return undefined
  return {width: data.readUInt32BE(16), height: data.readUInt32BE(20)}
}

function jpegSize(data: Buffer): {width: number; height: number} | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined
  let offset = 2
  while (offset + 9 < data.length) {
    if (data[offset] !== 0xff) return undefined
    const marker = data[offset + 1]!
    const length = data.readUInt16BE(offset + 2)
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7)}
    }
    offset += 2 + length
  }
  return undefined
}
