/** Character classes for CJK text handling, shared by parsing, line breaking and speech. */

/** Han ideographs, kana, CJK symbols/punctuation, fullwidth forms: characters set without spaces. */
export const cjkChar =
  /[\u2E80-\u2FDF\u3000-\u303F\u3040-\u30FF\u3100-\u312F\u3190-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]|[\u{20000}-\u{3134F}]/u

/** Hangul: wide, but Korean puts spaces between words, so it is not joined across breaks. */
export const hangulChar = /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7AF]/u

/** True when a soft line break between `before` and `after` should vanish rather than become a space. */
export function joinsWithoutSpace(before: string | undefined, after: string | undefined): boolean {
  if (!before || !after) return false
  return cjkChar.test(before) && cjkChar.test(after) && !hangulChar.test(before) && !hangulChar.test(after)
}
