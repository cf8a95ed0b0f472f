/**
 * The audio edition: Book → spoken blocks → engine (cached per section) → tagged MP3 per
 * section, playlist.m3u8, manifest.json (with per-block timings for read-along), and
 * optionally one whole-book MP3 with ID3 chapters.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Book, Section} from '../../book/types.js'
import type {Options} from '../../config.js'
import {ImprintError, oneLine} from '../../errors.js'
import type {AudioOutput} from '../../report.js'
import {writeFileAtomic} from '../../util/atomic.js'
import {sha256} from '../../util/hash.js'
import type {Renderer, RenderContext} from '../types.js'
import {AudioCache, cacheKey} from './cache.js'
import type {BlockTiming, Engine, SectionAudio, SectionJob, VoiceInfo} from './engine.js'
import {createEspeakEngine, ESPEAK_VERSION, listEspeakVoices} from './espeak.js'
import {concatBytes, scanMp3} from './mp3.js'
import {spokenBlocks, type Skipped, type SpokenBlock} from './script.js'
import {audiobookTag, readCover, sectionTag, type Chapter} from './tags.js'
import {EDGE_VERSION} from './versions.js'
import {planVoices, type EngineName, type VoicePlan} from './voices.js'

export {spokenBlocks, PAUSES, codeSummary, type SpokenBlock, type BlockKind} from './script.js'
export type {BlockTiming, Engine, SectionAudio, VoiceInfo} from './engine.js'
export {planVoices} from './voices.js'

export interface ManifestSection {
  id: string
  title: string
  file: string
  durationMs: number
  bytes: number
  /** Distinct voices heard in the section. */
  voices: string[]
  /** SHA-256 of the section's spoken text (block texts joined by newlines). */
  textHash: string
  /** Per spoken block: where it starts and ends in `file` (speech only; the pause follows). */
  blocks: BlockTiming[]
}

export interface Manifest {
  title: string
  language: string
  engine: EngineName
  sampleRate: number
  sections: ManifestSection[]
  totalDurationMs: number
  /** Speaker → voice, as assigned for this book. */
  speakers: Record<string, string>
  audiobook?: string
}

/** The speech script of a whole book, as the audio edition speaks it (for read-along). */
export function bookScript(book: Book, options: Pick<Options['audio'], 'code'> = {code: 'summary'}): {section: Section; blocks: SpokenBlock[]}[] {
  return book.sections.map((section) => ({section, blocks: spokenBlocks(section, book, options)}))
}

/** The engine for a build; msedge-tts (and its HTTP stack) is loaded only for the edge engine. */
export async function createEngine(audio: Options['audio']): Promise<Engine> {
  if (audio.engine === 'edge') {
    const {createEdgeEngine} = await import('./edge.js')
    return createEdgeEngine({endpoint: audio.endpoint, concurrency: audio.concurrency, retries: audio.retries, timeoutMs: audio.timeoutMs})
  }
  return createEspeakEngine()
}

/** Voices an engine offers (for `imprint voices --tts edge`). Edge needs the network. */
export async function listVoices(engine: EngineName, options: {voicesUrl?: string} = {}): Promise<VoiceInfo[]> {
  if (engine === 'edge') return (await import('./edge.js')).listEdgeVoices(options)
  return listEspeakVoices()
}

interface Planned {
  section: Section
  job: SectionJob
  key: string
  file: string
  textHash: string
}

export const renderAudio: Renderer = async (ctx) => {
  const dir = path.join(ctx.outDir, `${ctx.name}.audio`)
  await fs.promises.mkdir(dir, {recursive: true})
  const {planned, results, voices, synthesized, cached} = await synthesizeBook(ctx)
  return {audio: await writeOutputs(ctx, dir, planned, results, voices, {synthesized, cached})}
}

/** A section's audio exactly as the audio edition writes it, with its block timings (for read-along). */
export interface SectionFile {
  section: Section
  /** The audio edition's file name (`01-slug.mp3`). */
  file: string
  /** The tagged MP3: byte for byte the audio edition's file (less the cover picture, when left out). */
  bytes: Uint8Array
  durationMs: number
  /** Per spoken block, under the ids spokenBlocks() gives. */
  blocks: BlockTiming[]
}

/**
 * The section audio without writing the audio edition: synthesized, or taken from the shared
 * cache (free when the audio edition was built first). Sections with nothing to speak have none.
 * `cover: false` leaves the cover picture out of the tags (an EPUB has it once already).
 */
export async function renderSectionFiles(ctx: RenderContext, options: {cover?: boolean} = {}): Promise<SectionFile[]> {
  const {planned, results} = await synthesizeBook(ctx)
  const cover = options.cover === false ? undefined : readCover(ctx.book, (message) => ctx.warn({code: 'audio-cover', message}))
  return planned.map((p, i) => {
    const result = results.get(p.section.id)!
    return {
      section: p.section,
      file: p.file,
      bytes: taggedSection(ctx.book, p, i, planned.length, cover, result),
      durationMs: Math.round(scanMp3(result.mp3).durationMs),
      blocks: result.blocks
    }
  })
}

function taggedSection(book: Book, p: Planned, i: number, count: number, cover: ReturnType<typeof readCover>, result: SectionAudio): Uint8Array {
  return concatBytes([sectionTag(book, p.section.title || book.meta.title, i + 1, count, cover), result.mp3])
}

async function synthesizeBook(ctx: RenderContext) {
  const audio = ctx.options.audio
  const {book} = ctx
  const cache = new AudioCache(path.resolve(process.cwd(), audio.cache))
  const voices = planVoices(audio, book.meta.language, book.speakers)
  const planned = planSections(ctx, voices)
  if (planned.length === 0) throw new ImprintError('the book has nothing to speak', {kind: 'edition', file: book.source || undefined})

  let synthesized = 0
  let cached = 0
  let done = 0
  const results = new Map<string, SectionAudio>()
  const failures: {planned: Planned; error: unknown}[] = []
  const step = (p: Planned) => ctx.progress({done: ++done, total: planned.length, label: p.section.title || p.section.id})
  ctx.progress({done: 0, total: planned.length, label: 'audio'})

  const misses: Planned[] = []
  for (const p of planned) {
    const hit = await cache.get(p.key, p.job)
    if (hit) {
      results.set(p.section.id, hit)
      cached++
      step(p)
    } else misses.push(p)
  }

  if (misses.length > 0) {
    const outcome = await synthesizeMisses(ctx, misses, cache, step)
    outcome.results.forEach((audio, id) => results.set(id, audio))
    failures.push(...outcome.failures)
    synthesized = outcome.results.size
  }
  if (failures.length > 0) {
    const first = failures.sort((a, b) => a.planned.section.index - b.planned.section.index)[0]!
    const s = first.planned.section
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more section${failures.length > 2 ? 's' : ''})` : ''
    throw new ImprintError(
      `audio: ${audio.engine} could not synthesize section ${s.id} “${s.title}”: ${oneLine(first.error)}${more}; ` +
        `${results.size} finished section(s) are cached, rerun to continue`,
      {kind: 'edition', file: book.source || undefined, line: s.line, cause: first.error}
    )
  }
  return {planned, results, voices, synthesized, cached}
}

/** Synthesize the sections the cache lacks; each finished one is cached at once, so a later failure keeps it. */
async function synthesizeMisses(
  ctx: RenderContext,
  misses: Planned[],
  cache: AudioCache,
  step: (p: Planned) => void
): Promise<{results: Map<string, SectionAudio>; failures: {planned: Planned; error: unknown}[]}> {
  const results = new Map<string, SectionAudio>()
  const failures: {planned: Planned; error: unknown}[] = []
  const saving: Promise<void>[] = []
  const engine = await createEngine(ctx.options.audio)
  try {
    await engine.synthesizeAll(
      misses.map((p) => p.job),
      (index, code, message) => {
        const s = misses[index]!.section
        ctx.warn({code, message: `section ${s.id} “${s.title}”: ${message}`, line: s.line})
      },
      (index, outcome) => {
        const p = misses[index]!
        const fail = (error: unknown) => {
          failures.push({planned: p, error})
          step(p)
        }
        if (outcome instanceof Error) return fail(outcome)
        saving.push(
          cache.put(p.key, outcome).then(() => {
            results.set(p.section.id, outcome)
            step(p)
          }, fail)
        )
      }
    )
    await Promise.all(saving)
  } finally {
    await engine.close()
  }
  return {results, failures}
}

function planSections(ctx: RenderContext, voices: VoicePlan): Planned[] {
  const {book} = ctx
  const audio = ctx.options.audio
  const width = Math.max(2, String(book.sections.length).length)
  const planned: Planned[] = []
  for (const section of book.sections) {
    const skipped: Skipped = {images: 0, code: 0, footnotes: 0, html: 0}
    const blocks = spokenBlocks(section, book, {code: audio.code}, skipped)
    reportSkipped(ctx, section, skipped, audio.code)
    if (blocks.length === 0) {
      ctx.warn({code: 'audio-empty-section', message: `section ${section.id} has nothing to speak; no audio file`, line: section.line})
      continue
    }
    const job: SectionJob = {
      section: {id: section.id, title: section.title},
      language: book.meta.language,
      blocks: blocks.map((block) => ({...block, voice: voices.forSpeaker(block.speaker)}))
    }
    planned.push({
      section,
      job,
      key: cacheKey(engineVersion(audio), job),
      file: `${String(section.index).padStart(width, '0')}-${section.slug || section.id}.mp3`,
      textHash: sha256(blocks.map((b) => b.text).join('\n'))
    })
  }
  return planned
}

/** The engine's version without constructing it (that would start workers). */
function engineVersion(audio: Options['audio']): string {
  return audio.engine === 'edge' ? EDGE_VERSION : ESPEAK_VERSION
}

function reportSkipped(ctx: RenderContext, section: Section, skipped: Skipped, code: 'skip' | 'summary'): void {
  const parts: string[] = []
  if (skipped.code) parts.push(`${skipped.code} code block(s) ${code === 'summary' ? 'announced, not read' : 'skipped'}`)
  if (skipped.images) parts.push(`${skipped.images} image(s) skipped`)
  if (skipped.footnotes) parts.push(`${skipped.footnotes} footnote marker(s) skipped`)
  if (skipped.html) parts.push(`${skipped.html} raw HTML fragment(s) skipped`)
  if (parts.length) ctx.warn({code: 'audio-not-spoken', message: `section ${section.id}: ${parts.join(', ')}`, line: section.line})
}

async function writeOutputs(
  ctx: RenderContext,
  dir: string,
  planned: Planned[],
  results: Map<string, SectionAudio>,
  voices: VoicePlan,
  counts: {synthesized: number; cached: number}
): Promise<AudioOutput> {
  const {book} = ctx
  const cover = readCover(book, (message) => ctx.warn({code: 'audio-cover', message}))
  const sections: ManifestSection[] = []
  const files: string[] = []
  const chapters: Chapter[] = []
  const frames: Uint8Array[] = []
  let total = 0
  let sampleRate = 0
  for (const [i, p] of planned.entries()) {
    const result = results.get(p.section.id)!
    const bytes = taggedSection(book, p, i, planned.length, cover, result)
    const target = path.join(dir, p.file)
    await writeFileAtomic(target, bytes)
    files.push(target)
    const durationMs = Math.round(scanMp3(result.mp3).durationMs)
    sampleRate = result.sampleRate
    sections.push({
      id: p.section.id,
      title: p.section.title,
      file: p.file,
      durationMs,
      bytes: bytes.length,
      voices: [...new Set(p.job.blocks.map((b) => b.voice.voice))],
      textHash: p.textHash,
      blocks: result.blocks
    })
    chapters.push({id: `ch${i + 1}`, title: p.section.title || book.meta.title, startMs: total, endMs: total + durationMs})
    if (ctx.options.audio.audiobook) frames.push(result.mp3)
    total += durationMs
  }
  await removeStale(dir, new Set(planned.map((p) => p.file)))

  let audiobook: string | undefined
  const audiobookFile = path.join(dir, `${ctx.name}.audiobook.mp3`)
  if (ctx.options.audio.audiobook) {
    audiobook = audiobookFile
    await writeFileAtomic(audiobook, concatBytes([audiobookTag(book, chapters, cover), ...frames]))
  } else await fs.promises.rm(audiobookFile, {force: true})

  const playlist = path.join(dir, 'playlist.m3u8')
  await writeFileAtomic(playlist, playlistText(book, sections))
  const manifest: Manifest = {
    title: book.meta.title,
    language: book.meta.language,
    engine: ctx.options.audio.engine,
    sampleRate,
    sections,
    totalDurationMs: total,
    speakers: Object.fromEntries(Object.entries(voices.assignments).map(([name, v]) => [name, v.voice])),
    ...(audiobook ? {audiobook: path.basename(audiobook)} : {})
  }
  const manifestFile = path.join(dir, 'manifest.json')
  await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
  return {
    dir,
    files,
    playlist,
    manifest: manifestFile,
    ...(audiobook ? {audiobook} : {}),
    synthesized: counts.synthesized,
    cached: counts.cached,
    totalDurationMs: total
  }
}

/** Extended M3U, UTF-8 (`.m3u8`), relative paths, in reading order. */
export function playlistText(book: Book, sections: ManifestSection[]): string {
  const lines = ['#EXTM3U', `#PLAYLIST:${oneLineText(book.meta.title)}`]
  for (const s of sections) {
    lines.push(`#EXTINF:${Math.round(s.durationMs / 1000)},${oneLineText(s.title || book.meta.title)}`)
    lines.push(s.file)
  }
  return lines.join('\n') + '\n'
}

const oneLineText = (text: string) => text.replace(/[\r\n]+/g, ' ')

/** Section files from an earlier build whose section no longer exists (renamed, removed). */
async function removeStale(dir: string, keep: Set<string>): Promise<void> {
  for (const entry of await fs.promises.readdir(dir)) {
    if (/^\d+-.*\.mp3$/.test(entry) && !keep.has(entry)) await fs.promises.rm(path.join(dir, entry), {force: true})
  }
}
