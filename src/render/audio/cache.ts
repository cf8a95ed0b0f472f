/**
 * Content-addressed synthesis cache: `<cache>/audio/<k0k1>/<key>.mp3` + `<key>.json`.
 * The key hashes what the audio depends on (engine version, language, every block's text,
 * voice, settings and pause), not the block ids — so renumbered sections still hit, and the
 * cached timings are re-keyed with the current ids on read.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {BlockTiming, SectionAudio, SectionJob} from './engine.js'
import {removeStaleTemporaries, writeFileAtomic} from '../../util/atomic.js'
import {sha256} from '../../util/hash.js'

interface CachedMeta {
  durationMs: number
  sampleRate: number
  timings: {startMs: number; endMs: number}[]
}

export function cacheKey(engineVersion: string, job: SectionJob): string {
  const blocks = job.blocks.map((b) => [b.kind, b.text, b.voice.voice, b.voice.rate ?? '', b.voice.pitch ?? '', b.voice.volume ?? '', b.pauseMs])
  return sha256('imprint-audio-v1', engineVersion, job.language, JSON.stringify(blocks))
}

export class AudioCache {
  constructor(readonly dir: string) {}

  private paths(key: string) {
    const folder = path.join(this.dir, 'audio', key.slice(0, 2))
    return {folder, mp3: path.join(folder, `${key}.mp3`), meta: path.join(folder, `${key}.json`)}
  }

  async get(key: string, job: SectionJob): Promise<SectionAudio | undefined> {
    const {mp3, meta} = this.paths(key)
    try {
      const parsed = JSON.parse(await fs.promises.readFile(meta, 'utf8')) as CachedMeta
      if (parsed.timings.length !== job.blocks.length) return undefined
      const bytes = new Uint8Array(await fs.promises.readFile(mp3))
      const blocks: BlockTiming[] = parsed.timings.map((t, i) => ({id: job.blocks[i]!.id, startMs: t.startMs, endMs: t.endMs}))
      return {mp3: bytes, durationMs: parsed.durationMs, sampleRate: parsed.sampleRate, blocks}
    } catch {
      return undefined
    }
  }

  /** Audio first, then the metadata that makes the entry visible: a crash leaves no half entry. */
  async put(key: string, audio: SectionAudio): Promise<void> {
    const {folder, mp3, meta} = this.paths(key)
    await fs.promises.mkdir(folder, {recursive: true})
    // Temporary files of a build killed outright (SIGKILL) would otherwise stay forever.
    removeStaleTemporaries(folder)
    await writeFileAtomic(mp3, audio.mp3)
    const data: CachedMeta = {
      durationMs: audio.durationMs,
      sampleRate: audio.sampleRate,
      timings: audio.blocks.map((b) => ({startMs: b.startMs, endMs: b.endMs}))
    }
    await writeFileAtomic(meta, JSON.stringify(data))
  }
}
