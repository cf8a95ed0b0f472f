/**
 * Chapters + section audio → media overlays: which element is heard when.
 *
 * Timing comes from the synthesis (the audio edition's per-block timings, already shifted for
 * the MP3 encoder delay). Clips are contiguous so the highlight never blinks off and the clips
 * of a file add up to its duration exactly: each `<par>` runs from its block's speech onset to
 * the next block's onset (its own speech plus the pause after it); the first starts at 0 (the
 * encoder delay), the last ends at the end of the file (trailing pause and frame padding).
 */
import type {Warning} from '../../report.js'
import type {SectionFile} from '../audio/index.js'
import type {Chapter} from '../epub/chapters.js'
import {chapterElementId, type ReadAlongPackage} from '../epub/index.js'
import type {PackageFile} from '../epub/package.js'
import {clock, smilDocument, type Par} from './smil.js'

/** The class reading systems put on the element being read (named in media:active-class). */
export const ACTIVE_CLASS = '-epub-media-overlay-active'

/** For a user stylesheet that lacks it; the same rule as templates/epub.css. */
const HIGHLIGHT_CSS = `/* Read-along: the element being read aloud. */\n.${ACTIVE_CLASS} {\n  background-color: #fff1a6;\n  border-radius: 0.15em;\n}\n`

type Warn = (warning: Omit<Warning, 'stage'>) => void

/** Contiguous clips for the blocks whose element exists; a block without one is heard under the previous par. */
export function parsFor(chapter: Chapter, audio: SectionFile, warn: Warn): Par[] {
  const shown = audio.blocks.filter((block) => chapter.spoken.has(block.id))
  const missing = audio.blocks.filter((block) => !chapter.spoken.has(block.id))
  if (missing.length > 0) {
    warn({
      code: 'readalong-unmatched',
      message: `section ${chapter.section.id}: no element shows spoken block(s) ${missing.map((b) => b.id).join(', ')}; heard under the preceding paragraph`,
      line: chapter.section.line
    })
  }
  const pars: Par[] = []
  for (const [i, block] of shown.entries()) {
    const beginMs = i === 0 ? 0 : Math.min(block.startMs, audio.durationMs)
    const endMs = i === shown.length - 1 ? audio.durationMs : Math.min(shown[i + 1]!.startMs, audio.durationMs)
    if (endMs <= beginMs) {
      // Cannot happen with the engines' monotonic timings; never write an empty or reversed clip.
      warn({code: 'readalong-unmatched', message: `section ${chapter.section.id}: block ${block.id} has no audible span; not highlighted`, line: chapter.section.line})
      if (i === shown.length - 1 && pars.length > 0) pars[pars.length - 1]!.endMs = audio.durationMs
      continue
    }
    pars.push({elementId: chapter.spoken.get(block.id)!, beginMs, endMs})
  }
  return pars
}

/** Audio files, SMIL documents and package metadata for the read-along EPUB. */
export function narrate(chapters: Chapter[], sections: SectionFile[], warn: Warn): ReadAlongPackage {
  const audioOf = new Map(sections.map((s) => [s.section.id, s]))
  const files: PackageFile[] = []
  const overlayOf = new Map<string, string>()
  const durations: {id: string; duration: string}[] = []
  let totalMs = 0
  for (const chapter of chapters) {
    const audio = audioOf.get(chapter.section.id)
    if (!audio) continue
    const pars = parsFor(chapter, audio, warn)
    if (pars.length === 0) continue
    const id = chapter.section.id
    // ASCII names: the audio edition's file names carry the (often CJK) section title.
    const audioHref = `audio/${id}.mp3`
    const overlayId = `mo-${id}`
    files.push({id: `audio-${id}`, href: audioHref, mediaType: 'audio/mpeg', data: audio.bytes})
    files.push({id: overlayId, href: `${id}.smil`, mediaType: 'application/smil+xml', data: smilDocument(chapter.file, chapterElementId(chapter), audioHref, pars)})
    overlayOf.set(chapter.file, overlayId)
    durations.push({id: overlayId, duration: clock(audio.durationMs)})
    totalMs += audio.durationMs
  }
  return {
    files,
    overlayOf,
    metadata: {activeClass: ACTIVE_CLASS, durations, total: clock(totalMs)},
    css: {unless: `.${ACTIVE_CLASS}`, css: HIGHLIGHT_CSS}
  }
}
