/**
 * The EPUB package, assembled by epub-gen-memory from our EJS templates (templates/epub/):
 * it validates and names the documents, renders the package document, the NCX, the contents
 * page and every XHTML document through the templates, writes META-INF/container.xml and
 * lays the files out in its zip. Our content (already sanitised XHTML, vetted images, font
 * subsets) goes in as data; the zip it makes is then re-packed deterministically.
 *
 * Three things are done differently from the library's defaults, in a subclass:
 *  - Chapters are validated and named by the library (validateIsChapters,
 *    validateAndNormalizeChapter) but not re-parsed by its fixHTML: our XHTML is already
 *    sanitised, and fixHTML (built for arbitrary HTML) drops attributes EPUB allows (ol start,
 *    img width/height, cite, datetime, scope) and would give every image a random name.
 *  - Nothing is downloaded: no cover, font or image URL is ever given to the library (its
 *    download steps run on empty lists). Images and fonts are added as the bytes assets.ts
 *    and fonts.ts already read and checked.
 *  - The library names the contents page toc.xhtml and the stylesheet style.css; they are
 *    moved to nav.xhtml and epub.css, the names the package document (our template) uses.
 */
import {EPub, type Chapter, type Options} from 'epub-gen-memory'
import {validateAndNormalizeChapter, validateIsChapters} from 'epub-gen-memory/dist/lib/util/index.js'
import {strFromU8, unzipSync} from 'fflate'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ImprintError} from '../../errors.js'
import type {NavNode} from './documents.js'
import {escapeAttribute, escapeText} from './xml.js'
import {packEpub, type Entry} from './zip.js'

const TEMPLATES = fileURLToPath(new URL('../../../templates/epub/', import.meta.url))

/** The library's fixed names for what our package document calls nav.xhtml and epub.css. */
const LIBRARY_NAMES = {nav: 'toc.xhtml', stylesheet: 'style.css'}
const NAV_FILE = 'nav.xhtml'
const STYLESHEET_FILE = 'epub.css'

/** Escapers the templates use for every value they write (they never use EJS's own `<%=`). */
const xml = {text: (value: string) => escapeText(value), attr: (value: string) => escapeAttribute(value)}

/** A file we add to OEBPS/ ourselves (fonts, fonts.css, images), listed in the manifest. */
export interface PackageFile {
  id: string
  href: string
  mediaType: string
  properties?: string
  data: Uint8Array | string
}

/** An XHTML document in reading order (cover, title page, sections). */
export interface PackageDocument {
  id: string
  filename: string
  title: string
  /** Body content, serialised XHTML. */
  content: string
  /** Before the contents page in the spine (cover, title page). */
  beforeToc?: boolean
  properties?: string
  bodyType?: string
  bodyClass?: string
  /** Manifest id of the SMIL media overlay that narrates this document (read-along). */
  mediaOverlay?: string
}

/** Package metadata of a read-along book (EPUB 3 Media Overlays), durations as SMIL clock values. */
export interface MediaOverlays {
  activeClass: string
  /** Per overlay: manifest id and duration. */
  durations: {id: string; duration: string}[]
  total: string
}

export interface PackageInput {
  identifier: string
  title: string
  subtitle?: string
  authors: string[]
  language: string
  publisher?: string
  /** dc:date, already checked to be W3CDTF. */
  date?: string
  description?: string
  modified: Date
  /** `cjk` or `latin`: the class on <html> that picks the stylesheet's typographic defaults. */
  script: 'cjk' | 'latin'
  stylesheets: string[]
  stylesheet: string
  contentsTitle: string
  nav: NavNode[]
  landmarks: {type: string; href: string; label: string}[]
  coverImageId?: string
  documents: PackageDocument[]
  files: PackageFile[]
  mediaOverlays?: MediaOverlays
  /** Appended to the stylesheet unless it already mentions `unless` (read-along highlight in a user stylesheet). */
  extraCss?: {unless: string; css: string}
  warn: (message: string) => void
}

function readTemplate(name: string): string {
  const file = path.join(TEMPLATES, name)
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ImprintError(`cannot read EPUB template: ${(error as NodeJS.ErrnoException).code ?? error}`, {file, kind: 'edition'})
  }
}

/** `CCYY-MM-DDThh:mm:ssZ`, as EPUB requires for dcterms:modified. */
export function modifiedStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function depthOf(nodes: NavNode[]): number {
  return nodes.reduce((deepest, node) => Math.max(deepest, 1 + depthOf(node.children)), 0)
}

class ImprintEpub extends EPub {
  constructor(
    options: Options,
    documents: Chapter[],
    private readonly files: PackageFile[]
  ) {
    super(options, [])
    validateIsChapters(documents)
    this.content = documents.map((document, index) => validateAndNormalizeChapter(document, index))
  }

  protected override async generateTemplateFiles(): Promise<void> {
    // The library's download steps (cover, fonts, images) fetch any URL, also over the network:
    // they must find nothing to do. Every byte comes from assets.ts and fonts.ts.
    if (this.options.cover || this.options.fonts.length > 0 || this.images.length > 0) {
      throw new ImprintError('epub-gen-memory was given a file to download; the EPUB edition never downloads', {kind: 'edition'})
    }
    await super.generateTemplateFiles()
    const oebps = this.zip.folder('OEBPS')!
    for (const [from, to] of [[LIBRARY_NAMES.nav, NAV_FILE], [LIBRARY_NAMES.stylesheet, STYLESHEET_FILE]] as const) {
      const data = await oebps.file(from)!.async('uint8array')
      oebps.remove(from)
      oebps.file(to, data)
    }
    for (const file of this.files) oebps.file(file.href, file.data)
  }
}

/** Media types zipped stored: already compressed. */
function isCompressed(mediaType: string): boolean {
  return mediaType.startsWith('font/') || mediaType.startsWith('audio/') || (mediaType.startsWith('image/') && mediaType !== 'image/svg+xml')
}

/** The stylesheet, with `extra.css` appended unless the stylesheet already mentions `extra.unless`. */
function withExtraCss(css: string, extra: PackageInput['extraCss']): string {
  if (!extra || css.includes(extra.unless)) return css
  return `${css.replace(/\n*$/, '\n')}\n${extra.css}`
}

const ENTITY: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

/**
 * The library's zip, re-packed: mimetype first and stored, then META-INF, the package document
 * and every manifest item in manifest order, each with the book's fixed time.
 */
function repack(libraryZip: Uint8Array, modified: Date): Uint8Array {
  const files = unzipSync(libraryZip)
  const opf = files['OEBPS/content.opf']
  if (!opf) throw new ImprintError('epub-gen-memory wrote no OEBPS/content.opf', {kind: 'edition'})
  const manifest = [...strFromU8(opf).matchAll(/<item\b[^>]*?\bhref="([^"]*)"[^>]*?\bmedia-type="([^"]*)"/g)].map((m) => ({
    path: `OEBPS/${m[1]!.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITY[name]!)}`,
    mediaType: m[2]!
  }))
  const entries: Entry[] = []
  const take = (name: string, store = false) => {
    const data = files[name]
    if (!data) throw new ImprintError(`the EPUB package lists ${name}, but epub-gen-memory wrote no such file`, {kind: 'edition'})
    entries.push({path: name, data, store})
    delete files[name]
  }
  delete files.mimetype
  for (const name of Object.keys(files).filter((n) => n.startsWith('META-INF/') && !n.endsWith('/')).sort()) take(name)
  take('OEBPS/content.opf')
  for (const item of manifest) take(item.path, isCompressed(item.mediaType))
  const unlisted = Object.keys(files).filter((name) => !name.endsWith('/'))
  if (unlisted.length > 0) throw new ImprintError(`files missing from the EPUB manifest: ${unlisted.join(', ')}`, {kind: 'edition'})
  return packEpub(entries, modified)
}

/** Build the EPUB bytes with epub-gen-memory and our templates. */
export async function assembleEpub(input: PackageInput): Promise<Uint8Array> {
  const shell = {script: input.script, stylesheets: input.stylesheets}
  const book = {
    identifier: input.identifier,
    subtitle: input.subtitle,
    authors: input.authors,
    publisher: input.publisher,
    date: input.date,
    description: input.description,
    modified: modifiedStamp(input.modified),
    nav: input.nav,
    navDepth: Math.max(1, depthOf(input.nav)),
    landmarks: input.landmarks,
    coverImageId: input.coverImageId,
    navFile: NAV_FILE,
    stylesheet: STYLESHEET_FILE,
    files: input.files.map(({data: _data, ...item}) => item),
    mediaOverlays: input.mediaOverlays
  }
  // Unknown keys (book, shell, xml) pass the library's validation and reach the templates.
  const options: Options & {book: typeof book; shell: typeof shell; xml: typeof xml} = {
    title: input.title,
    author: input.authors,
    lang: input.language,
    date: input.modified.toISOString(),
    tocTitle: input.contentsTitle,
    css: withExtraCss(readStylesheetOrThrow(input.stylesheet), input.extraCss),
    version: 3,
    contentOPF: readTemplate('content.opf.ejs'),
    tocNCX: readTemplate('toc.ncx.ejs'),
    tocXHTML: readTemplate('toc.xhtml.ejs'),
    chapterXHTML: readTemplate('chapter.xhtml.ejs'),
    verbose: (type, ...args: unknown[]) => {
      if (type === 'warn') input.warn(args.map(String).join(' '))
    },
    book,
    shell,
    xml
  }
  const documents = input.documents.map((document) => ({
    ...document,
    bodyType: document.bodyType ?? '',
    bodyClass: document.bodyClass ?? '',
    properties: document.properties ?? '',
    mediaOverlay: document.mediaOverlay ?? '',
    beforeToc: document.beforeToc ?? false,
    excludeFromToc: document.beforeToc ?? false,
    shell,
    xml
  }))
  const epub = new ImprintEpub(options, documents, input.files)
  await epub.render()
  // Stored: the entries are re-compressed by packEpub anyway.
  const libraryZip = await epub.generateAsync({type: 'uint8array', compression: 'STORE'})
  return repack(libraryZip, input.modified)
}

function readStylesheetOrThrow(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ImprintError(`cannot read stylesheet: ${(error as NodeJS.ErrnoException).code ?? error}`, {file, kind: 'edition'})
  }
}
