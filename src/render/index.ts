/** One renderer per edition, loaded on demand so a PDF-only build never loads the speech engine. */
import type {Format} from '../config.js'
import type {Renderer} from './types.js'

export const renderers: Record<Format, () => Promise<Renderer>> = {
  epub: async () => (await import('./epub/index.js')).renderEpub,
  pdf: async () => (await import('./pdf/index.js')).renderPdf,
  audio: async () => (await import('./audio/index.js')).renderAudio,
  readalong: async () => (await import('./readalong/index.js')).renderReadAlong
}
