import {createHash} from 'node:crypto'

/** Hex SHA-256 of strings or bytes joined with NUL separators (so ['ab','c'] ≠ ['a','bc']). */
export function sha256(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256')
  parts.forEach((part, i) => {
    if (i > 0) hash.update('\u0000')
    hash.update(part)
  })
  return hash.digest('hex')
}
