/**
 * SSML helpers shared by the engines: escaping, prosody values, and splitting long text
 * into request-sized chunks at sentence ends (Chinese has no spaces to split at).
 */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'})[c]!)
}

const utf8 = new TextEncoder()
export const byteLength = (text: string): number => utf8.encode(text).length

/** Strong sentence ends first, then clause marks, then spaces; a last resort cuts between characters. */
const BREAKS: RegExp[] = [/[。！？；…!?;]+[”’」』）)"']*/gu, /[，、,：:]+/gu, /\s+/gu]

/**
 * Split `text` into pieces whose *escaped* UTF-8 size is at most `maxBytes`. Cuts happen
 * on the plain text, before escaping, so an XML entity is never cut in half.
 */
export function splitForRequest(text: string, maxBytes: number): string[] {
  if (byteLength(escapeXml(text)) <= maxBytes) return [text]
  for (const pattern of BREAKS) {
    const pieces = splitAfter(text, pattern)
    if (pieces.length > 1) return packPieces(pieces, maxBytes)
  }
  // No break at all: cut by characters (never inside a surrogate pair).
  return packPieces([...text], maxBytes)
}

function splitAfter(text: string, pattern: RegExp): string[] {
  const pieces: string[] = []
  let start = 0
  for (const match of text.matchAll(pattern)) {
    const end = match.index! + match[0].length
    if (end > start && end < text.length) {
      pieces.push(text.slice(start, end))
      start = end
    }
  }
  pieces.push(text.slice(start))
  return pieces.filter((p) => p.length > 0)
}

/** Greedily pack pieces into chunks; a piece that is still too big is split further. */
function packPieces(pieces: string[], maxBytes: number): string[] {
  const chunks: string[] = []
  let current = ''
  for (const piece of pieces) {
    const size = (s: string) => byteLength(escapeXml(s))
    if (size(piece) > maxBytes) {
      if (current) chunks.push(current)
      current = ''
      chunks.push(...splitForRequest(piece, maxBytes))
    } else if (size(current + piece) > maxBytes) {
      chunks.push(current)
      current = piece
    } else current += piece
  }
  if (current) chunks.push(current)
  return chunks.map((c) => c.trim()).filter(Boolean)
}

/** Prosody values: `+10%`, `-5Hz`, `1.2` (a factor) are accepted; anything else is dropped. */
export function normaliseRate(value: string | undefined): string | undefined {
  if (!value) return undefined
  const v = String(value).trim()
  if (/^[+-]?\d+(\.\d+)?%$/.test(v)) return v.startsWith('+') || v.startsWith('-') ? v : `+${v}`
  if (/^\d+(\.\d+)?$/.test(v)) {
    const pct = Math.round((Number(v) - 1) * 100)
    return `${pct >= 0 ? '+' : ''}${pct}%`
  }
  return undefined
}

export function normalisePitch(value: string | undefined): string | undefined {
  if (!value) return undefined
  const v = String(value).trim()
  if (/^[+-]\d+(\.\d+)?(Hz|%|st)$/.test(v)) return v
  if (/^\d+(\.\d+)?(Hz|%)$/.test(v)) return `+${v}`
  return undefined
}

export function normaliseVolume(value: string | undefined): string | undefined {
  if (!value) return undefined
  const v = String(value).trim()
  if (/^[+-]\d+(\.\d+)?%$/.test(v)) return v
  if (/^\d+(\.\d+)?$/.test(v)) {
    const pct = Math.round(Number(v) - 100)
    return `${pct >= 0 ? '+' : ''}${pct}%`
  }
  return undefined
}

/** Percent change → factor, e.g. `+20%` → 1.2 (used for duration plausibility). */
export function rateFactor(rate: string | undefined): number {
  const m = rate?.match(/^([+-]?\d+(?:\.\d+)?)%$/)
  return m ? Math.max(0.2, 1 + Number(m[1]) / 100) : 1
}
