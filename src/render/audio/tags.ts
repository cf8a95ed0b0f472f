/** ID3v2 tags: per-section files and the whole-book audiobook with chapter frames. */
import fs from 'node:fs'
import path from 'node:path'
import NodeID3 from 'node-id3'
import type {Book} from '../../book/types.js'
import {primaryLanguage} from '../../book/language.js'

const ISO639_2: Record<string, string> = {zh: 'chi', en: 'eng', ja: 'jpn', ko: 'kor', fr: 'fre', de: 'ger', es: 'spa', ru: 'rus'}

export function id3Language(tag: string): string {
  const primary = primaryLanguage(tag)
  return ISO639_2[primary] ?? (primary.length === 3 ? primary : 'und')
}

export interface Cover {
  mime: string
  data: Buffer
}

/** The book's cover, when it is a JPEG or PNG we can embed. */
export function readCover(book: Book, warn: (message: string) => void): Cover | undefined {
  const file = book.meta.cover
  if (!file) return undefined
  const ext = path.extname(file).toLowerCase()
  const mime = ext === '.png' ? 'image/png' : ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : undefined
  if (!mime) {
    warn(`cover ${path.basename(file)} is not JPEG or PNG; not embedded in the MP3 tags`)
    return undefined
  }
  try {
    return {mime, data: fs.readFileSync(file)}
  } catch (error) {
    warn(`cover ${path.basename(file)} could not be read (${(error as NodeJS.ErrnoException).code ?? error})`)
    return undefined
  }
}

function common(book: Book, cover: Cover | undefined): NodeID3.Tags {
  const tags: NodeID3.Tags = {
    album: book.meta.title,
    language: id3Language(book.meta.language),
    year: book.meta.date?.slice(0, 4)
  }
  if (book.meta.authors.length > 0) tags.artist = book.meta.authors.join(', ')
  if (book.meta.publisher) tags.publisher = book.meta.publisher
  if (cover) tags.image = {mime: cover.mime, type: {id: 3}, description: 'Cover', imageBuffer: cover.data}
  if (!tags.year) delete tags.year
  return tags
}

export function sectionTag(book: Book, title: string, track: number, total: number, cover: Cover | undefined): Buffer {
  return NodeID3.create({...common(book, cover), title, trackNumber: `${track}/${total}`})
}

export interface Chapter {
  id: string
  title: string
  startMs: number
  endMs: number
}

export function audiobookTag(book: Book, chapters: Chapter[], cover: Cover | undefined): Buffer {
  return NodeID3.create({
    ...common(book, cover),
    title: book.meta.title,
    tableOfContents: [{elementID: 'toc', isOrdered: true, elements: chapters.map((c) => c.id), tags: {title: book.meta.title}}],
    chapter: chapters.map((c) => ({
      elementID: c.id,
      startTimeMs: Math.round(c.startMs),
      endTimeMs: Math.round(c.endMs),
      tags: {title: c.title}
    }))
  })
}
