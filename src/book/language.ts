/**
 * Language detection from the text, used only when front matter names no `lang`.
 *
 * CJK scripts are told apart by script (kana → Japanese, Hangul → Korean) and Chinese
 * by characters that exist only in simplified or only in traditional writing. Other
 * text goes to franc; what it cannot tell comes back as `und`.
 */
import {franc} from 'franc-min'

// Common characters whose simplified and traditional forms differ.
const SIMPLIFIED = new Set('这个们国说为时会来对学发经与关开实现进动问题义产业书长马门车东见从两气电话认让际应该没')
const TRADITIONAL = new Set('這個們國說為時會來對學發經與關開實現進動問題義產業書長馬門車東見從兩氣電話認讓際應該沒')

const ISO639_3_TO_1: Record<string, string> = {
  eng: 'en', fra: 'fr', deu: 'de', spa: 'es', por: 'pt', ita: 'it', nld: 'nl', rus: 'ru',
  ukr: 'uk', pol: 'pl', ces: 'cs', swe: 'sv', dan: 'da', nob: 'nb', fin: 'fi', hun: 'hu',
  ron: 'ro', tur: 'tr', ell: 'el', arb: 'ar', heb: 'he', hin: 'hi', ben: 'bn', tha: 'th',
  vie: 'vi', ind: 'id', zlm: 'ms', tgl: 'tl', swh: 'sw', pes: 'fa', urd: 'ur', bul: 'bg',
  hrv: 'hr', srp: 'sr', slk: 'sk', slv: 'sl', lit: 'lt', lav: 'lv', est: 'et', cat: 'ca'
}

/** Characters from the start of the text that language detection reads. */
export const LANGUAGE_SAMPLE = 200_000

export function detectLanguage(text: string): string {
  const sample = text.length > LANGUAGE_SAMPLE ? text.slice(0, LANGUAGE_SAMPLE) : text
  let han = 0
  let kana = 0
  let hangul = 0
  let simplified = 0
  let traditional = 0
  for (const ch of sample) {
    const cp = ch.codePointAt(0)!
    if (cp < 0x3000) continue
    if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff)) kana++
    else if (cp >= 0xac00 && cp <= 0xd7af) hangul++
    else if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf)) {
      han++
      if (SIMPLIFIED.has(ch)) simplified++
      else if (TRADITIONAL.has(ch)) traditional++
    }
  }
  const cjk = han + kana + hangul
  if (cjk >= 20) {
    if (kana >= cjk * 0.05) return 'ja'
    if (hangul >= cjk * 0.3) return 'ko'
    return traditional > simplified ? 'zh-TW' : 'zh-CN'
  }
  // Too little text to tell Latin-script languages apart (franc guesses Tagalog for
  // "Hello world"): say undetermined rather than guess.
  if ((sample.match(/\p{L}/gu) ?? []).length < 60) return 'und'
  const code = franc(sample, {minLength: 20})
  return ISO639_3_TO_1[code] ?? 'und'
}

/** The primary subtag, lower-case: `zh-CN` → `zh`. */
export function primaryLanguage(tag: string): string {
  return tag.split('-')[0]!.toLowerCase()
}

/** True for languages set without spaces between words (line breaking, soft breaks, indent). */
export function isCjkLanguage(tag: string): boolean {
  return ['zh', 'ja', 'ko'].includes(primaryLanguage(tag))
}
