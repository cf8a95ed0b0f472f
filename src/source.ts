/** Reading and decoding manuscripts: UTF-8 only (BOM allowed), CRLF/CR normalised to LF. */
import fs from 'node:fs'
import {ImprintError} from './errors.js'

export interface Source {
  /** Path as given by the user (used in messages). */
  file: string
  text: string
  /** Characters removed while reading (control characters, bidi overrides), one entry per line. */
  removed?: {line: number; codePoints: string[]}[]
  /** Modification time, the fallback for output timestamps. */
  mtime: Date
}

const decoder = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false})

/**
 * Decode bytes as UTF-8. Throws `file: not valid UTF-8 at byte N` (0-based offset of
 * the first bad byte) for anything else, including UTF-16 and binary files.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  // UTF-16 BOMs are valid-looking to nobody but deserve a precise message.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ImprintError('not valid UTF-8 at byte 0 (looks like UTF-16; save the file as UTF-8)', {file})
  }
  try {
    const text = decoder.decode(bytes)
    // NUL is valid UTF-8 but never text: treat it as a binary file.
    const nul = bytes.indexOf(0)
    if (nul !== -1) throw new ImprintError(`not valid UTF-8 at byte ${nul} (NUL byte: binary file?)`, {file})
    return text
  } catch (error) {
    if (error instanceof ImprintError) throw error
    throw new ImprintError(`not valid UTF-8 at byte ${firstInvalidByte(bytes)}`, {file})
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    let need: number
    let min: number
    if (b < 0x80) {
      i++
      continue
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      min = 0x10000
    } else return i
    let cp = b & (0xff >> (need + 2))
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return bytes.length
}

/** Strip a BOM and normalise line endings; reject empty input. */
export function normaliseText(text: string, file: string): string {
  const body = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n')
  if (body.trim() === '') throw new ImprintError('the manuscript is empty (nothing but white space)', {file})
  return body
}

export function readSource(file: string): Source {
  let bytes: Buffer
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
    if (stat.isDirectory()) throw new ImprintError('is a folder, not a Markdown file', {file})
    bytes = fs.readFileSync(file)
  } catch (error) {
    if (error instanceof ImprintError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? error)
    throw new ImprintError(`cannot read: ${why}`, {file})
  }
  return {...prepareText(decodeUtf8(bytes, file), file), file, mtime: stat.mtime}
}

/** Decoded text → what the parser gets: no BOM, LF line endings, unsafe characters removed (and listed). */
export function prepareText(text: string, file: string): {text: string; removed: {line: number; codePoints: string[]}[]} {
  return removeUnsafeCharacters(normaliseText(text, file))
}

/**
 * Characters no edition can carry: C0/C1 controls other than tab and line feed, and
 * U+FFFE/U+FFFF (all forbidden in XML 1.0), plus bidi embedding/override/isolate
 * controls, which can make text display in an order other than the one it is read in.
 */
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/g

/** Remove unsafe characters, saying where they were. */
export function removeUnsafeCharacters(text: string): {text: string; removed: {line: number; codePoints: string[]}[]} {
  if (!UNSAFE.test(text)) return {text, removed: []}
  const removed: {line: number; codePoints: string[]}[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const found = lines[i]!.match(UNSAFE)
    if (!found) continue
    removed.push({line: i + 1, codePoints: found.map((c) => 'U+' + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0'))})
    lines[i] = lines[i]!.replace(UNSAFE, '')
  }
  return {text: lines.join('\n'), removed}
}
