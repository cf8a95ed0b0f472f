/**
 * Deterministic EPUB container (OCF): `mimetype` first and stored, then the entries in the
 * order given, every entry stamped with the same time, no extra fields, no data descriptors.
 *
 * Written here rather than with a zip library because the container is small and fixed and
 * the compression is the costly part: Node's zlib deflates the 3 MB of XHTML of a
 * 1,100-section book in 60 ms, 2.5× faster than fflate, and zip libraries built on zlib
 * (yazl) deflate each entry asynchronously, which costs more than it saves for a thousand
 * small files. Not supported, because an EPUB never needs them: zip64 (files or archives
 * over 4 GiB), encryption, comments.
 */
import {crc32, deflateRawSync} from 'node:zlib'
import {ImprintError} from '../../errors.js'

export interface Entry {
  path: string
  data: Uint8Array | string
  /** Already-compressed formats (images, fonts, audio) are stored rather than deflated. */
  store?: boolean
}

const LOCAL_HEADER = 0x04034b50
const CENTRAL_HEADER = 0x02014b50
const END_OF_CENTRAL_DIRECTORY = 0x06054b50
/** General-purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800
const MAX_32 = 0xffffffff

/** MS-DOS date and time of `modified` in UTC (zip has no time zones); it holds 1980 to 2107. */
function dosTime(modified: Date): {date: number; time: number} {
  const t = new Date(Math.min(Math.max(modified.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58)))
  return {
    date: ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate(),
    time: (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1)
  }
}

interface Packed {
  name: Buffer
  method: 0 | 8
  crc: number
  size: number
  body: Uint8Array
  offset: number
}

export function packEpub(entries: Entry[], modified: Date): Uint8Array {
  const {date, time} = dosTime(modified)
  const packed: Packed[] = []
  let offset = 0
  for (const entry of [{path: 'mimetype', data: 'application/epub+zip', store: true}, ...entries]) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data
    const name = Buffer.from(entry.path, 'utf8')
    const deflated = entry.store ? undefined : deflateRawSync(data, {level: 9})
    // Stored when deflating does not help (tiny or incompressible files).
    const body = deflated && deflated.length < data.length ? deflated : data
    const file: Packed = {name, method: body === data ? 0 : 8, crc: crc32(data), size: data.length, body, offset}
    if (data.length > MAX_32 || offset > MAX_32) throw new ImprintError(`the EPUB is larger than 4 GiB (at ${entry.path}); zip64 is not supported`, {kind: 'edition'})
    packed.push(file)
    offset += 30 + name.length + body.length
  }

  if (packed.length > 0xffff) throw new ImprintError(`the EPUB has ${packed.length} files; a zip without zip64 holds at most 65,535`, {kind: 'edition'})
  const centralSize = packed.reduce((sum, file) => sum + 46 + file.name.length, 0)
  const out = Buffer.alloc(offset + centralSize + 22)
  let at = 0
  const common = (file: Packed) => {
    out.writeUInt16LE(UTF8_NAMES, at)
    out.writeUInt16LE(file.method, at + 2)
    out.writeUInt16LE(time, at + 4)
    out.writeUInt16LE(date, at + 6)
    out.writeUInt32LE(file.crc, at + 8)
    out.writeUInt32LE(file.body.length, at + 12)
    out.writeUInt32LE(file.size, at + 16)
    out.writeUInt16LE(file.name.length, at + 20)
    out.writeUInt16LE(0, at + 22) // extra field length
    at += 24
  }
  for (const file of packed) {
    out.writeUInt32LE(LOCAL_HEADER, at)
    out.writeUInt16LE(20, at + 4) // version needed: 2.0 (deflate)
    at += 6
    common(file)
    at += file.name.copy(out, at)
    out.set(file.body, at)
    at += file.body.length
  }
  for (const file of packed) {
    out.writeUInt32LE(CENTRAL_HEADER, at)
    out.writeUInt16LE(20, at + 4) // made by: MS-DOS, zip 2.0 (no Unix permissions to record)
    out.writeUInt16LE(20, at + 6)
    at += 8
    common(file)
    out.writeUInt16LE(0, at) // comment length
    out.writeUInt16LE(0, at + 2) // disk number
    out.writeUInt16LE(0, at + 4) // internal attributes
    out.writeUInt32LE(0, at + 6) // external attributes
    out.writeUInt32LE(file.offset, at + 10)
    at += 14
    at += file.name.copy(out, at)
  }
  out.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, at)
  out.writeUInt16LE(0, at + 4)
  out.writeUInt16LE(0, at + 6)
  out.writeUInt16LE(packed.length, at + 8)
  out.writeUInt16LE(packed.length, at + 10)
  out.writeUInt32LE(centralSize, at + 12)
  out.writeUInt32LE(offset, at + 16)
  out.writeUInt16LE(0, at + 20)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}
