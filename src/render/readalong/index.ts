/**
 * The read-along edition: the EPUB edition with EPUB 3 Media Overlays. The audio edition's code
 * makes the section audio (from the shared cache when the audio edition ran first); the EPUB
 * edition's code, with its internal read-along option, tags every spoken element with its block
 * id and packs the MP3s and one SMIL overlay per chapter (overlays.ts).
 */
import path from 'node:path'
import {writeFileAtomic} from '../../util/atomic.js'
import {renderSectionFiles} from '../audio/index.js'
import {buildEpub} from '../epub/index.js'
import type {Renderer} from '../types.js'
import {narrate} from './overlays.js'

export const renderReadAlong: Renderer = async (ctx) => {
  // The EPUB carries the cover once; its MP3s need not repeat it in their tags.
  const sections = await renderSectionFiles(ctx, {cover: false})
  const zip = await buildEpub(ctx, {
    code: ctx.options.audio.code,
    overlays: (chapters) => narrate(chapters, sections, ctx.warn)
  })
  const target = path.join(ctx.outDir, `${ctx.name}.readalong.epub`)
  await writeFileAtomic(target, zip)
  ctx.progress({done: 3, total: 3, label: 'readalong: done'})
  return {readalong: target}
}
