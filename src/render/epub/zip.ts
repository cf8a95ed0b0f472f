/**
 * Deterministic EPUB container: `mimetype` first and stored, then entries in the order given,
 * every entry stamped with the same time, no extra fields.
 */
import {zipSync, type Zippable} from 'fflate'

export interface Entry {
  path: string
  data: Uint8Array | string
  /** Already-compressed formats (images, fonts) are stored rather than deflated. */
  store?: boolean
}

/** DOS timestamps start in 1980; fflate reads local-time fields, so shift to make them UTC. */
function zipTime(modified: Date): Date {
  const time = Math.max(modified.getTime(), Date.UTC(1980, 0, 1, 12))
  const shifted = new Date(time)
  return new Date(time + shifted.getTimezoneOffset() * 60_000)
}

export function packEpub(entries: Entry[], modified: Date): Uint8Array {
  const mtime = zipTime(modified)
  const encoder = new TextEncoder()
  const files: Zippable = {mimetype: [encoder.encode('application/epub+zip'), {level: 0, mtime}]}
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? encoder.encode(entry.data) : entry.data
    files[entry.path] = [data, {level: entry.store ? 0 : 9, mtime}]
  }
  return zipSync(files, {mtime})
}
