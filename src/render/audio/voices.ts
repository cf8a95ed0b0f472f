/**
 * Who speaks with which voice.
 *
 * Narration (titles, headings, text outside speaker turns) uses `audio.voice` (or the
 * `narrator` entry of the voices map); each speaker uses their entry in `audio.voices`
 * (config or front matter). Without an entry, a speaker gets a default: names ending in
 * 记者/Reporter/Journalist… share the "questions" voice, everyone else alternates between
 * the "answers" voices in order of first appearance.
 */
import type {Options, VoiceSettings} from '../../config.js'
import {primaryLanguage} from '../../book/language.js'

export type EngineName = Options['audio']['engine']

export interface ResolvedVoice {
  voice: string
  rate?: string
  pitch?: string
  volume?: string
}

export const REPORTER = /(记者|記者|提问者|提問者|主持人|主持|reporter|journalist|interviewer)$/iu

interface VoicePool {
  narrator: string
  questions: string
  answers: string[]
}

const EDGE_POOLS: Record<string, VoicePool> = {
  zh: {narrator: 'zh-CN-YunyangNeural', questions: 'zh-CN-XiaoxiaoNeural', answers: ['zh-CN-YunxiNeural', 'zh-CN-YunjianNeural', 'zh-CN-XiaoyiNeural']},
  'zh-TW': {narrator: 'zh-TW-YunJheNeural', questions: 'zh-TW-HsiaoChenNeural', answers: ['zh-TW-YunJheNeural', 'zh-TW-HsiaoYuNeural']},
  ja: {narrator: 'ja-JP-KeitaNeural', questions: 'ja-JP-NanamiNeural', answers: ['ja-JP-KeitaNeural', 'ja-JP-NanamiNeural']},
  en: {narrator: 'en-US-GuyNeural', questions: 'en-US-AriaNeural', answers: ['en-US-ChristopherNeural', 'en-US-JennyNeural']}
}

/** eSpeak voice language for a book language (eSpeak calls Mandarin `cmn`). */
export function espeakLanguage(language: string): string {
  const primary = primaryLanguage(language)
  if (primary === 'zh') return 'cmn'
  if (primary === 'en') return /gb|uk/i.test(language) ? 'en-gb' : 'en-us'
  if (primary === 'und' || !primary) return 'en-us'
  return primary
}

function pool(engine: EngineName, language: string): VoicePool {
  if (engine === 'espeak') {
    const base = espeakLanguage(language)
    // eSpeak variants: `+f`/`+m` pick gender, the digit a variant (pitch/timbre).
    return {narrator: base, questions: `${base}+f2`, answers: [`${base}+m3`, `${base}+f4`, `${base}+m1`]}
  }
  const primary = primaryLanguage(language)
  if (primary === 'zh' && /hant|tw|hk|mo/i.test(language)) return EDGE_POOLS['zh-TW']!
  return EDGE_POOLS[primary] ?? EDGE_POOLS.en!
}

export interface VoicePlan {
  narrator: ResolvedVoice
  forSpeaker(name: string | undefined): ResolvedVoice
  /** Speaker → voice, for the manifest. */
  assignments: Record<string, ResolvedVoice>
}

/** Decide every speaker's voice for the whole book, so a speaker keeps one voice throughout. */
export function planVoices(audio: Options['audio'], language: string, speakers: string[]): VoicePlan {
  const defaults = pool(audio.engine, language)
  const book: Omit<ResolvedVoice, 'voice'> = {rate: audio.rate, pitch: audio.pitch, volume: audio.volume}
  const entry = (value: string | VoiceSettings | undefined): Partial<ResolvedVoice> =>
    typeof value === 'string' ? {voice: value} : value ? stringify(value) : {}
  const merge = (fallbackVoice: string, value: string | VoiceSettings | undefined): ResolvedVoice => {
    const own = entry(value)
    return clean({...book, voice: fallbackVoice, ...own})
  }
  const narrator = merge(audio.voice ?? defaults.narrator, audio.voices.narrator)
  const assignments: Record<string, ResolvedVoice> = {}
  let alternate = 0
  for (const name of speakers) {
    const fallback = REPORTER.test(name.trim()) ? defaults.questions : defaults.answers[alternate++ % defaults.answers.length]!
    assignments[name] = merge(fallback, audio.voices[name])
  }
  return {
    narrator,
    assignments,
    forSpeaker: (name) => (name === undefined ? narrator : (assignments[name] ?? merge(defaults.answers[0]!, audio.voices[name])))
  }
}

function stringify(settings: VoiceSettings): Partial<ResolvedVoice> {
  const out: Partial<ResolvedVoice> = {}
  for (const key of ['voice', 'rate', 'pitch', 'volume'] as const) if (settings[key] !== undefined) out[key] = String(settings[key])
  return out
}

function clean(voice: ResolvedVoice): ResolvedVoice {
  const out: ResolvedVoice = {voice: voice.voice}
  if (voice.rate) out.rate = voice.rate
  if (voice.pitch) out.pitch = voice.pitch
  if (voice.volume) out.volume = voice.volume
  return out
}
