/** XML text helpers: everything written into the EPUB goes through these, so it is well-formed. */

/** Characters XML 1.0 forbids (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Counts what was removed, so the renderer can report it once per document. */
export interface ForbiddenTally {
  count: number
}

/** Anything escapeText might change; most text has none of it, and one scan settles that. */
const SPECIAL = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/

export function stripForbidden(text: string, tally?: ForbiddenTally): string {
  return text.replace(FORBIDDEN, () => {
    if (tally) tally.count++
    return ''
  })
}

export function escapeText(text: string, tally?: ForbiddenTally): string {
  if (!SPECIAL.test(text)) return text
  return stripForbidden(text, tally).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function escapeAttribute(text: string, tally?: ForbiddenTally): string {
  return escapeText(text, tally).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
}

/**
 * An id that is a valid XML NCName (EPUBCheck rejects ids starting with a digit or holding
 * colons/spaces). Letters of any script are kept, so `メタ情報` stays readable.
 */
export function toNcName(raw: string): string {
  let id = raw.normalize('NFC').replace(/[^\p{L}\p{M}\p{N}_.\-\u00B7]/gu, '-')
  if (!/^[\p{L}_]/u.test(id)) id = `x-${id}`
  return id
}
