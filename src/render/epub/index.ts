/**
 * The EPUB 3 edition: Book → XHTML chapter bodies, cover, title page, contents → an EPUB
 * package assembled by epub-gen-memory from the templates in templates/epub/ (package.ts),
 * re-packed into a deterministic zip. The read-along edition builds the same package through
 * `buildEpub` with its `readAlong` option (spoken-block ids, audio, SMIL media overlays).
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {isCjkLanguage} from '../../book/language.js'
import {writeFileAtomic} from '../../util/atomic.js'
import type {Renderer, RenderContext} from '../types.js'
import {ImageStore} from './assets.js'
import {renderChapters, type Chapter, type ReadAlongMarks} from './chapters.js'
import {coverSvg} from './cover.js'
import {labels, navText, nest, titlePageBody, type NavEntry} from './documents.js'
import {assembleEpub, type MediaOverlays, type PackageDocument, type PackageFile} from './package.js'
import {escapeAttribute} from './xml.js'

const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url))

const W3CDTF = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/

/**
 * What the read-along edition adds to this EPUB (an internal option, not a user flag): spoken
 * block ids on the elements, then the audio, the SMIL overlays and their metadata.
 */
export interface ReadAlong extends ReadAlongMarks {
  /** Given the rendered chapters (with the ids their spoken elements got), the overlay files. */
  overlays(chapters: Chapter[]): ReadAlongPackage
}

export interface ReadAlongPackage {
  /** Audio and SMIL files, added to the manifest. */
  files: PackageFile[]
  /** Chapter file → manifest id of its media overlay. */
  overlayOf: Map<string, string>
  metadata: MediaOverlays
  /** CSS appended to the stylesheet when it lacks `unless` (a user stylesheet without the highlight). */
  css: {unless: string; css: string}
}

export const renderEpub: Renderer = async (context) => {
  const zip = await buildEpub(context)
  const target = path.join(context.outDir, `${context.name}.epub`)
  await writeFileAtomic(target, zip)
  context.progress({done: 3, total: 3, label: 'epub: done'})
  return {epub: target}
}

/** Id of a chapter's <section> in a read-along book, the target of its overlay's <seq>. */
export function chapterElementId(chapter: Chapter): string {
  return `imprint-chapter-${chapter.section.id}`
}

/** The EPUB bytes; with `readAlong`, the same book with Media Overlays. */
export async function buildEpub(context: RenderContext, readAlong?: ReadAlong): Promise<Uint8Array> {
  const {book, options} = context
  const meta = book.meta
  const words = labels(meta.language)
  const images = new ImageStore(book.baseDir, context.warn)

  context.progress({done: 0, total: 3, label: 'epub: chapters'})
  const chapters = renderChapters(book, images, context.warn, readAlong)
  const narration = readAlong?.overlays(chapters)

  // Cover: the user's image if it can be read, else a generated SVG.
  let coverImageId: string | undefined
  let coverBody: string
  const userCover = meta.cover ? images.resolve(path.relative(book.baseDir, meta.cover), undefined) : undefined
  if (userCover) {
    const asset = images.assets.find((a) => a.href === userCover)!
    asset.properties = 'cover-image'
    coverImageId = asset.id
    coverBody = `<section class="cover" epub:type="cover"><img src="${escapeAttribute(userCover)}" alt="${escapeAttribute(meta.title)}"/></section>`
  } else {
    coverBody = `<section class="cover cover-generated" epub:type="cover">\n${coverSvg(meta, false)}\n</section>`
  }

  const documents: PackageDocument[] = [
    {id: 'cover', filename: 'cover.xhtml', title: meta.title, content: coverBody, beforeToc: true, bodyClass: 'cover-page', properties: userCover ? undefined : 'svg'},
    {id: 'titlepage', filename: 'titlepage.xhtml', title: meta.title, content: titlePageBody(meta), beforeToc: true, bodyType: 'frontmatter'}
  ]
  for (const chapter of chapters) {
    const title = chapter.section.title || words.preface
    // Read-along: the overlay's <seq> points at the chapter (`imprint-` ids are never the user's).
    const id = narration?.overlayOf.has(chapter.file) ? ` id="${chapterElementId(chapter)}"` : ''
    const content = `<section${id} class="chapter" epub:type="chapter" aria-label="${escapeAttribute(title)}">\n${chapter.body}\n</section>`
    const mediaOverlay = narration?.overlayOf.get(chapter.file)
    documents.push({id: `c-${chapter.section.id}`, filename: chapter.file, title, content, bodyType: 'bodymatter', mediaOverlay})
  }

  const entries: NavEntry[] = chapters.map((chapter) => ({label: chapter.section.title || words.preface, href: chapter.file, depth: chapter.section.depth}))
  // A nav list may not be empty: a book without sections lists its title page.
  if (entries.length === 0) entries.push({label: meta.title, href: 'titlepage.xhtml', depth: 1})
  const landmarks = [
    {type: 'cover', href: 'cover.xhtml', label: words.cover},
    {type: 'titlepage', href: 'titlepage.xhtml', label: words.titlePage},
    {type: 'toc', href: 'nav.xhtml#toc', label: words.contents}
  ]
  if (chapters[0]) landmarks.push({type: 'bodymatter', href: chapters[0].file, label: words.start})

  // fonts.css is linked (and listed) whenever fonts are embedded; the subsets hold exactly the
  // characters of the documents and the contents page.
  const files: PackageFile[] = []
  const stylesheets = options.epub.embedFonts ? ['fonts.css', 'epub.css'] : ['epub.css']
  if (options.epub.embedFonts) {
    context.progress({done: 1, total: 3, label: 'epub: fonts'})
    const bodies = documents.map((document) => `<body>\n${document.content}\n`)
    // Loaded only here: fontkit and the subsetter take ~0.1 s to load.
    const {embeddedFonts, faceTexts} = await import('./fonts.js')
    const fonts = await embeddedFonts(faceTexts(bodies, `<body>\n${navText(words.contents, entries, landmarks)}`), context.warn)
    // Without fonts the linked fonts.css is a comment, so no document points at a missing file.
    files.push({id: 'fonts-css', href: 'fonts.css', mediaType: 'text/css', data: fonts?.css ?? '/* --embed-fonts: no bundled fonts were available. */\n'})
    for (const font of fonts?.files ?? []) files.push({id: font.id, href: font.href, mediaType: font.mediaType, data: font.data})
  }
  context.progress({done: 2, total: 3, label: 'epub: package'})
  if (!userCover) {
    files.push({id: 'cover-image', href: 'images/cover.svg', mediaType: 'image/svg+xml', properties: 'cover-image', data: coverSvg(meta, true)})
    coverImageId = 'cover-image'
  }
  for (const asset of images.assets) files.push({id: asset.id, href: asset.href, mediaType: asset.mediaType, properties: asset.properties, data: asset.data})
  if (narration) files.push(...narration.files)

  const zip = await assembleEpub({
    identifier: meta.identifier,
    title: meta.title,
    subtitle: meta.subtitle,
    authors: meta.authors,
    language: meta.language,
    publisher: meta.publisher,
    date: meta.date && W3CDTF.test(meta.date) ? meta.date : undefined,
    description: meta.description,
    modified: meta.modified,
    script: isCjkLanguage(meta.language) ? 'cjk' : 'latin',
    stylesheets,
    stylesheet: options.epub.stylesheet ? path.resolve(options.epub.stylesheet) : path.join(TEMPLATES, 'epub.css'),
    contentsTitle: words.contents,
    nav: nest(entries),
    landmarks,
    coverImageId,
    documents,
    files,
    mediaOverlays: narration?.metadata,
    extraCss: narration?.css,
    warn: (message) => context.warn({code: 'epub-package', message: `epub-gen-memory: ${message}`})
  })

  return zip
}
