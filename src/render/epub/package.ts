/**
 * The EPUB package: epub-gen-memory validates and normalises the options, names the
 * documents and drives the build (its `render`); the documents, the package document, the
 * NCX and the contents page come from our EJS templates (templates/epub/, what a designer
 * edits).
 *
 * Done differently from the library's defaults, in a subclass:
 *  - Each template is compiled once. The library compiles the chapter template again for
 *    every chapter (0.2 s of a 1,100-section book) and keeps the result in JSZip, which we
 *    would then have to unpack to zip it deterministically; we keep the rendered files in
 *    package order and zip them once (zip.ts).
 *  - Chapters are not re-parsed by its fixHTML: our XHTML is already sanitised, and fixHTML
 *    (built for arbitrary HTML) drops attributes EPUB allows (ol start, img width/height,
 *    cite, datetime, scope) and would give every image a random name.
 *  - Nothing is downloaded: no cover, font or image URL is ever given to the library (its
 *    download steps run on empty lists). Images and fonts are added as the bytes assets.ts
 *    and fonts.ts already read and checked.
 */
import {EPub, type Chapter, type Options} from 'epub-gen-memory'
import {validateAndNormalizeChapter} from 'epub-gen-memory/dist/lib/util/index.js'
import {compile, type TemplateFunction} from 'ejs'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ImprintError} from '../../errors.js'
import type {NavNode} from './documents.js'
import {escapeAttribute, escapeText} from './xml.js'
import {packEpub, type Entry} from './zip.js'

const TEMPLATES = fileURLToPath(new URL('../../../templates/epub/', import.meta.url))

const CONTAINER_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>\n'
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
  /** Every file under OEBPS/ by its path there, filled by `render()`. */
  readonly rendered = new Map<string, Uint8Array | string>()

  constructor(
    options: Options,
    documents: Chapter[],
    private readonly files: PackageFile[]
  ) {
    super(options, [])
    // Named and given the library's defaults, but not put through its run-time type checks
    // (ow): the documents are typed, and checking 1,100 of them costs 60 ms.
    this.content = documents.map((document, index) => validateAndNormalizeChapter(document, index))
  }

  protected override async generateTemplateFiles(): Promise<void> {
    // The library's download steps (cover, fonts, images) fetch any URL, also over the network:
    // they must find nothing to do. Every byte comes from assets.ts and fonts.ts.
    if (this.options.cover || this.options.fonts.length > 0 || this.images.length > 0) {
      throw new ImprintError('epub-gen-memory was given a file to download; the EPUB edition never downloads', {kind: 'edition'})
    }
    const options = this.options
    const chapter = compileTemplate('chapter.xhtml.ejs', options.chapterXHTML)
    for (const document of this.content) this.rendered.set(document.filename, chapter({lang: options.lang, ...document}))
    const whole = {...options, id: this.uuid, images: this.images, cover: this.cover, content: this.content}
    this.rendered.set('content.opf', compileTemplate('content.opf.ejs', options.contentOPF)(whole))
    this.rendered.set('toc.ncx', compileTemplate('toc.ncx.ejs', options.tocNCX)(whole))
    this.rendered.set(NAV_FILE, compileTemplate('toc.xhtml.ejs', options.tocXHTML)(whole))
    this.rendered.set(STYLESHEET_FILE, options.css)
    for (const file of this.files) this.rendered.set(file.href, file.data)
  }
}

function compileTemplate(name: string, template: string): TemplateFunction {
  try {
    return compile(template, {filename: name})
  } catch (error) {
    throw new ImprintError(`EPUB template ${name}: ${(error as Error).message.split('\n')[0]}`, {file: path.join(TEMPLATES, name), kind: 'edition'})
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
 * The zip entries: META-INF/container.xml, the package document, then every manifest item in
 * manifest order (the manifest is our template's, so it is read back from the rendered file).
 * A file the manifest lists but nobody wrote, or one written but not listed, fails the build.
 */
function packageEntries(rendered: Map<string, Uint8Array | string>): Entry[] {
  const opf = rendered.get('content.opf')
  if (typeof opf !== 'string') throw new ImprintError('the EPUB build wrote no OEBPS/content.opf', {kind: 'edition'})
  const manifest = [...opf.matchAll(/<item\b[^>]*?\bhref="([^"]*)"[^>]*?\bmedia-type="([^"]*)"/g)].map((m) => ({
    href: m[1]!.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITY[name]!),
    mediaType: m[2]!
  }))
  const entries: Entry[] = [{path: 'META-INF/container.xml', data: CONTAINER_XML}, {path: 'OEBPS/content.opf', data: opf}]
  const left = new Map(rendered)
  left.delete('content.opf')
  for (const item of manifest) {
    const data = left.get(item.href)
    if (data === undefined) throw new ImprintError(`the EPUB package lists OEBPS/${item.href}, but no such file was made`, {kind: 'edition'})
    entries.push({path: `OEBPS/${item.href}`, data, store: isCompressed(item.mediaType)})
    left.delete(item.href)
  }
  if (left.size > 0) throw new ImprintError(`files missing from the EPUB manifest: ${[...left.keys()].map((href) => `OEBPS/${href}`).join(', ')}`, {kind: 'edition'})
  return entries
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
  return packEpub(packageEntries(epub.rendered), input.modified)
}

function readStylesheetOrThrow(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ImprintError(`cannot read stylesheet: ${(error as NodeJS.ErrnoException).code ?? error}`, {file, kind: 'edition'})
  }
}
