/** Book metadata from front matter, with fallbacks to the text. */
import {createHash} from 'node:crypto'
import path from 'node:path'
import {locateLocalFile} from '../util/local-file.js'
import {ImprintError} from '../errors.js'
import type {Warning} from '../report.js'
import {detectLanguage} from './language.js'
import type {BookMeta} from './types.js'

export interface MetaInput {
  /** Front matter keys (already parsed from YAML). */
  data: Record<string, unknown>
  lineOf: (keys: string[]) => number | undefined
  file: string
  baseDir: string
  mtime: Date
  warn: (warning: Warning) => void
}

const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/

/** The modification date every output carries: SOURCE_DATE_EPOCH when set, else the file's mtime. */
export function buildDate(mtime: Date): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new ImprintError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got '${epoch}'`)
    return new Date(Number(epoch) * 1000)
  }
  return new Date(Math.floor(mtime.getTime() / 1000) * 1000)
}

export function resolveMeta(input: MetaInput) {
  const {data, lineOf, file} = input
  const fail = (key: string, expected: string): never => {
    throw new ImprintError(`front matter '${key}' must be ${expected}`, {file, line: lineOf([key])})
  }
  const text = (key: string): string | undefined => {
    const value = data[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') fail(key, 'a string')
    return (value as string).trim() || undefined
  }
  const title = text('title')
  const subtitle = text('subtitle')
  const publisher = text('publisher')
  const description = text('description')
  const identifier = text('identifier')
  const coverPath = text('cover')
  const langKey = data.lang !== undefined ? 'lang' : 'language'
  const rawLang = data[langKey]
  if (rawLang !== undefined && rawLang !== null && (typeof rawLang !== 'string' || !BCP47.test(rawLang.trim()))) {
    fail(langKey, 'a language tag such as zh-CN or en')
  }
  const lang = text(langKey)
  const authorKey = data.authors !== undefined ? 'authors' : 'author'
  const rawAuthors = data[authorKey]
  let authors: string[] = []
  if (typeof rawAuthors === 'string') authors = [rawAuthors.trim()].filter(Boolean)
  else if (Array.isArray(rawAuthors) && rawAuthors.every((a) => typeof a === 'string')) authors = rawAuthors
  else if (rawAuthors !== undefined && rawAuthors !== null) fail(authorKey, 'a name or a list of names')
  let date: string | undefined
  if (typeof data.date === 'number') date = String(data.date)
  else date = text('date')

  let cover: string | undefined
  if (coverPath) {
    const located = locateLocalFile(coverPath, input.baseDir)
    if (located.ok) cover = path.resolve(input.baseDir, coverPath)
    else input.warn({code: located.code === 'image-outside' ? 'cover-outside' : located.code, stage: 'source', message: `cover ${located.reason}`, line: lineOf(['cover'])})
  }

  return (found: {title?: string; subtitle?: string; text: () => string}): BookMeta => {
    const finalTitle = title ?? found.title ?? path.basename(file, path.extname(file))
    const language = lang ?? detectLanguage(found.text())
    return {
      title: finalTitle,
      subtitle: subtitle ?? found.subtitle,
      authors,
      language,
      date,
      identifier: identifier ?? derivedIdentifier(finalTitle, authors, language),
      publisher,
      description,
      cover,
      modified: buildDate(input.mtime)
    }
  }
}

/** A UUID (version 5 layout) from title, authors and language: stable across edits of the text. */
function derivedIdentifier(title: string, authors: string[], language: string): string {
  const hash = createHash('sha1').update(['imprint', title, ...authors, language].join('\u0000')).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
