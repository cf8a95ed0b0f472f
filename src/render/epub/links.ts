/**
 * Where a link in the book may point: the web (http, https, mailto), or a heading/anchor in
 * the book itself, rewritten to the chapter file that holds it. Anything else — other
 * Markdown files, relative paths, malformed web addresses — would be a broken link in the
 * EPUB, so the caller keeps the link text and drops the link, and the reason is reported.
 */
import type {Warning} from '../../report.js'

type Warn = (warning: Omit<Warning, 'stage'>) => void

/** GitHub's heading slug: lower case, punctuation dropped, spaces → hyphens. */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A web address readers can open, normalised; undefined when its host is malformed. */
export function webUrl(href: string): string | undefined {
  const authority = /^https?:\/\/([^/?#]*)/i.exec(href)?.[1]
  if (!authority || authority.includes('%')) return undefined
  try {
    return new URL(href).href
  } catch {
    return undefined
  }
}

/** Every id in the book: original fragment → the chapter file and the id written there. */
export class Anchors {
  private readonly byFragment = new Map<string, {file: string; id: string}>()

  /** First wins, as in a browser. */
  register(original: string, file: string, id: string): void {
    if (!this.byFragment.has(original)) this.byFragment.set(original, {file, id})
  }

  /** The href for `#fragment` seen from `file` (its own ids first), or undefined. */
  find(fragment: string, file: string, localIds: Map<string, string>): string | undefined {
    const decoded = safeDecode(fragment)
    for (const key of [fragment, decoded, decoded.toLowerCase(), githubSlug(decoded)]) {
      const local = localIds.get(key)
      if (local) return `#${local}`
      const found = this.byFragment.get(key)
      if (found) return found.file === file ? `#${found.id}` : `${found.file}#${found.id}`
    }
    return undefined
  }
}

export interface LinkContext {
  anchors: Anchors
  /** Chapter file names (our own cross-chapter footnote links point at them). */
  files: Set<string>
  /** The manuscript's file name: `book.md#part` is a link into this book. */
  manuscriptName: string
  warn: Warn
}

/** The href to write for a link in `file`, or undefined (reported) when it cannot be kept. */
export function linkTarget(context: LinkContext, file: string, localIds: Map<string, string>, href: string, line: number): string | undefined {
  const {warn} = context
  const shown = href.length > 80 ? `${href.slice(0, 77)}…` : href
  if (/^mailto:/i.test(href)) return href
  if (/^https?:/i.test(href)) {
    const url = webUrl(href)
    if (url) return url
    warn({code: 'link-invalid', message: `link to '${shown}' is not a valid web address; kept as text`, line})
    return undefined
  }
  const hash = href.indexOf('#')
  const pathPart = hash >= 0 ? href.slice(0, hash) : href
  const fragment = hash >= 0 ? href.slice(hash + 1) : ''
  if (context.files.has(pathPart)) return href
  const page = safeDecode(pathPart).replace(/^\.\//, '')
  const samePage = page === '' || page === '.' || (context.manuscriptName !== '' && page === context.manuscriptName)
  if (samePage && fragment !== '') {
    const found = context.anchors.find(fragment, file, localIds)
    if (found) return found
    warn({code: 'link-anchor', message: `link to '${shown}' points to no heading or anchor in the book; kept as text`, line})
    return undefined
  }
  if (samePage) return undefined
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
    warn({code: 'link-scheme', message: `link to '${shown}' uses a scheme readers do not open; kept as text`, line})
  } else {
    warn({code: 'link-local', message: `link to '${shown}' is not part of the book; kept as text`, line})
  }
  return undefined
}
