/**
 * Book → pdfmake document definition: title page, table of contents, sections with
 * outline entries, running header, page numbers, footnotes, metadata.
 */
import type {TDocumentDefinitions} from 'pdfmake/interfaces.js'
import type {PdfNode} from './nodes.js'
import type {Paragraph, RootContent} from 'mdast'
import {visit} from 'unist-util-visit'
import {isCjkLanguage} from '../../book/language.js'
import type {Book, Section} from '../../book/types.js'
import type {Options} from '../../config.js'
import type {FontSet} from './fontset.js'
import {PAGE_SIZES, localised, type PdfStyle} from './style.js'
import {Typesetter, isSmall, type Block, type InlineStyle} from './typeset.js'
import type {Piece} from './linebreak.js'

export interface DocumentInput {
  book: Book
  options: Options
  style: PdfStyle
  fonts: FontSet
  warn(code: string, message: string, line?: number): void
  progress(done: number, total: number, label?: string): void
}

export interface BuiltDocument {
  definition: TDocumentDefinitions
  /** Page (1-based) of each section's heading, known once pdfmake has laid the document out. */
  sectionPages(): number[]
}

export function buildDocument(input: DocumentInput): BuiltDocument {
  const {book, options, style, fonts} = input
  const page = PAGE_SIZES[options.pdf.pageSize]
  const margins = style.margins[options.pdf.pageSize]
  const measure = page.width - margins.inner - margins.outer
  const cjk = isCjkLanguage(book.meta.language)
  fonts.proportionalQuotes = cjk ? 'beside-latin' : 'all'

  // Footnotes are numbered through the book in order of first reference.
  const footnoteNumbers = new Map<string, number>()
  const images: Record<string, string> = {}
  const imageKeys = new Map<string, string>()
  const typesetter = new Typesetter({
    fonts,
    style,
    cjk,
    baseDir: book.baseDir,
    warn: input.warn,
    footnoteNumber(identifier) {
      if (!book.footnotes.has(identifier)) return undefined
      let number = footnoteNumbers.get(identifier)
      if (number === undefined) footnoteNumbers.set(identifier, (number = footnoteNumbers.size + 1))
      return number
    },
    addImage(dataUrl) {
      let key = imageKeys.get(dataUrl)
      if (!key) {
        key = `image${imageKeys.size + 1}`
        imageKeys.set(dataUrl, key)
        images[key] = dataUrl
      }
      return key
    }
  })

  for (const section of book.sections) typesetter.sectionIds.set(section.slug, section.id)
  const sectionTitle = (section: Section): string => section.title || book.meta.title
  const headingNodes: PdfNode[] = []
  const content: PdfNode[] = [titlePage(typesetter, book, style, page.height, measure), ...toc(typesetter, book, style, measure, sectionTitle)]

  const total = book.sections.length
  book.sections.forEach((section, index) => {
    content.push(...sectionContent(typesetter, book, section, style, measure, options, footnoteNumbers, headingNodes, sectionTitle(section)))
    input.progress(index + 1, total, section.title)
  })
  typesetter.flushNotices()

  let pagesOfSections: number[] | undefined
  const sectionPages = (): number[] => {
    pagesOfSections ??= headingNodes.map((node) => (node as {positions?: {pageNumber: number}[]}).positions?.[0]?.pageNumber ?? Infinity)
    return pagesOfSections
  }
  const runningTitle = (pageNumber: number): string | undefined => {
    const pages = sectionPages()
    if (pages.length === 0 || pageNumber < pages[0]!) return undefined
    if (pageNumber % 2 === 0) return book.meta.title
    let current = 0
    // Sections start in page order; binary search for the last one starting on or before this page.
    let low = 0
    let high = pages.length - 1
    while (low <= high) {
      const mid = (low + high) >> 1
      if (pages[mid]! <= pageNumber) {
        current = mid
        low = mid + 1
      } else high = mid - 1
    }
    return sectionTitle(book.sections[current]!)
  }
  const {headerFooter} = style
  const small = (text: string, alignment: 'center' | 'left' | 'right', margin: [number, number, number, number]): PdfNode => ({
    text: typesetter.textPieces(text, {role: 'sans', weight: 'regular', fontSize: headerFooter.fontSize}).map(inlineOf),
    alignment,
    noWrap: true,
    color: headerFooter.color,
    margin
  })

  const definition = {
    pageSize: options.pdf.pageSize,
    pageMargins: [margins.inner, margins.top, margins.outer, margins.bottom],
    content,
    images,
    language: book.meta.language,
    info: {
      title: book.meta.title,
      author: book.meta.authors.join(', ') || undefined,
      subject: book.meta.description ?? book.meta.subtitle ?? book.meta.title,
      keywords: book.meta.identifier,
      creator: 'imprint',
      producer: 'imprint (pdfmake)',
      creationDate: book.meta.modified,
      modDate: book.meta.modified
    },
    defaultStyle: {font: fonts.chain('serif', 'regular').primary.key, fontSize: style.body.fontSize, color: style.body.color},
    header: (currentPage: number) => {
      const title = runningTitle(currentPage)
      if (!title) return null
      return small(truncate(title, 40), 'center', [margins.inner, headerFooter.offset, margins.outer, 0])
    },
    footer: (currentPage: number) => {
      if (currentPage === 1) return null
      return small(String(currentPage), 'center', [margins.inner, margins.bottom - headerFooter.offset - headerFooter.fontSize, margins.outer, 0])
    }
  }
  return {definition: definition as unknown as TDocumentDefinitions, sectionPages}
}

function truncate(text: string, max: number): string {
  const chars = [...text]
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text
}

export function inlineOf(piece: Piece<InlineStyle>): Record<string, unknown> {
  return {text: piece.text, font: piece.face.key, fontSize: piece.style.baseSize}
}

function titlePage(typesetter: Typesetter, book: Book, style: PdfStyle, pageHeight: number, measure: number): PdfNode {
  const {titlePage: tp} = style
  const line = (text: string, fontSize: number, role: 'sans' | 'serif', weight: 'bold' | 'regular', gap: number): PdfNode[] => {
    const lines = typesetter.lines(typesetter.textPieces(text, {role, weight, fontSize}), {
      measure,
      fontSize,
      leading: fontSize * 1.5,
      justify: false,
      alignment: 'center'
    })
    if (lines.length > 0) lines[0]!.margin = [0, gap, 0, 0]
    return lines
  }
  const date = book.meta.date ?? book.meta.modified.toISOString().slice(0, 10)
  return {
    stack: [
      ...line(book.meta.title, tp.titleSize, 'sans', 'bold', pageHeight * tp.topRatio),
      ...(book.meta.subtitle ? line(book.meta.subtitle, tp.subtitleSize, 'sans', 'regular', tp.subtitleSize) : []),
      ...(book.meta.authors.length > 0 ? line(book.meta.authors.join(' · '), tp.authorSize, 'serif', 'regular', tp.titleSize * 2.5) : []),
      ...(book.meta.publisher ? line(book.meta.publisher, tp.dateSize, 'serif', 'regular', tp.dateSize) : []),
      ...line(date, tp.dateSize, 'serif', 'regular', tp.dateSize)
    ]
  }
}

function toc(typesetter: Typesetter, book: Book, style: PdfStyle, measure: number, sectionTitle: (s: Section) => string): PdfNode[] {
  const {toc: tocStyle} = style
  const title = localised(tocStyle.title, book.meta.language)
  const size = style.headings.section.fontSize
  const heading = typesetter.lines(typesetter.textPieces(title, {role: 'sans', weight: 'bold', fontSize: size}), {measure, fontSize: size, leading: size * 1.45, justify: false})
  if (heading.length > 0) {
    heading[0]!.pageBreak = 'before'
    heading[heading.length - 1]!.margin = [0, 0, 0, size]
  }
  const minDepth = Math.min(...book.sections.map((s) => s.depth || 1))
  const entries: PdfNode[] = book.sections.map((section) => {
    const indent = Math.min(3, Math.max(0, (section.depth || minDepth) - minDepth)) * tocStyle.fontSize
    const lines = typesetter.lines(
      typesetter.textPieces(sectionTitle(section), {role: 'serif', weight: 'regular', fontSize: tocStyle.fontSize, destination: section.id}),
      {measure: measure - tocStyle.pageNumberWidth - indent, fontSize: tocStyle.fontSize, leading: tocStyle.fontSize * 1.6, justify: false}
    )
    return {
      columns: [
        {width: '*', stack: lines, margin: [indent, 0, 0, 0]},
        {
          width: tocStyle.pageNumberWidth,
          text: '',
          pageReference: section.id,
          alignment: 'right',
          fontSize: tocStyle.fontSize,
          font: typesetter.host.fonts.chain('serif', 'regular').primary.key,
          lineHeight: 1.6 / 1.448
        } as unknown as PdfNode
      ],
      columnGap: 0
    }
  })
  return [...heading, ...entries]
}

function sectionContent(
  typesetter: Typesetter,
  book: Book,
  section: Section,
  style: PdfStyle,
  measure: number,
  options: Options,
  footnoteNumbers: Map<string, number>,
  headingNodes: PdfNode[],
  title: string
): PdfNode[] {
  const size = style.body.fontSize
  const headingStyle = style.headings.section
  let titleLines = typesetter.headingLines(section.titleNodes, headingStyle.fontSize, measure)
  if (titleLines.length === 0) {
    titleLines = typesetter.headingLines([{type: 'text', value: title}], headingStyle.fontSize, measure)
  }
  const first = titleLines[0]!
  first.id = section.id
  ;(first as Record<string, unknown>).outline = true
  ;(first as Record<string, unknown>).outlineText = title
  headingNodes.push(first)
  const pageStart = options.pdf.sectionBreak === 'page'
  first.margin = [0, pageStart ? headingStyle.spaceBeforeEm * size * 0.5 : headingStyle.spaceBeforeEm * size, 0, 0]
  titleLines[titleLines.length - 1]!.margin = addBottomMargin(titleLines[titleLines.length - 1]!.margin, headingStyle.spaceAfterEm * size)

  const blocks: Block[] = [{nodes: titleLines, heading: true}, ...typesetter.blocks(section.nodes, measure, section.depth || 1)]
  blocks.push(...footnoteBlocks(typesetter, book, section, style, measure, footnoteNumbers))
  const nodes = keepHeadingsWithText(blocks, size * style.body.lineHeight * 3)
  if (nodes.length > 0 && pageStart) {
    const head = nodes[0] as {pageBreak?: string}
    head.pageBreak = 'before'
  }
  return nodes
}

function addBottomMargin(margin: PdfNode['margin'], bottom: number): [number, number, number, number] {
  const [left, top, right, old] = Array.isArray(margin) && margin.length === 4 ? margin : [0, 0, 0, 0]
  return [left, top, right, (old ?? 0) + bottom]
}

/** A heading and the first node after it go on one page (no heading alone at a page's foot). */
function keepHeadingsWithText(blocks: Block[], reserve: number): PdfNode[] {
  const out: PdfNode[] = []
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!
    if (!block.heading) {
      out.push(...block.nodes)
      continue
    }
    const group: PdfNode[] = [...block.nodes]
    // Headings directly following each other travel together, with the first text after them.
    while (i + 1 < blocks.length && blocks[i + 1]!.heading) group.push(...blocks[++i]!.nodes)
    const next = blocks[i + 1]
    // Only a few lines may join the group: pdfmake cuts off what overflows an unbreakable block.
    if (next && next.nodes.length > 0 && isSmall(next.nodes[0]!)) {
      group.push(next.nodes[0]!)
      out.push({stack: group, unbreakable: true}, ...next.nodes.slice(1))
      i++
    } else if (next && next.nodes.length > 0) {
      // A tall block (code, table, list) follows: reserve room for its first lines under the
      // heading, then pull the block up into that room. If the room is not there, the heading
      // moves to the next page with it.
      group.push({text: '', margin: [0, 0, 0, reserve]})
      out.push({stack: group, unbreakable: true}, {stack: [next.nodes[0]!], margin: [0, -reserve, 0, 0]}, ...next.nodes.slice(1))
      i++
    } else {
      out.push({stack: group, unbreakable: true})
    }
  }
  return out
}

/** Footnotes referenced in this section, set at its end. */
function footnoteBlocks(
  typesetter: Typesetter,
  book: Book,
  section: Section,
  style: PdfStyle,
  measure: number,
  footnoteNumbers: Map<string, number>
): Block[] {
  const referenced: string[] = []
  const seen = new Set<string>()
  for (const node of section.nodes) {
    visit(node as RootContent, 'footnoteReference', (ref) => {
      if (!seen.has(ref.identifier) && footnoteNumbers.has(ref.identifier)) {
        seen.add(ref.identifier)
        referenced.push(ref.identifier)
      }
    })
  }
  if (referenced.length === 0) return []
  const {footnotes} = style
  const size = footnotes.fontSize
  const leading = size * footnotes.lineHeight
  const title = localised(footnotes.title, book.meta.language)
  const heading = typesetter.lines(typesetter.textPieces(title, {role: 'sans', weight: 'bold', fontSize: size}), {measure, fontSize: size, leading, justify: false})
  const rule: PdfNode = {canvas: [{type: 'line', x1: 0, y1: 0, x2: measure / 4, y2: 0, lineWidth: 0.5, lineColor: '#888888'}], margin: [0, 14, 0, 4]}
  const notes: PdfNode[] = []
  for (const identifier of referenced) {
    const definition = book.footnotes.get(identifier)!
    const number = footnoteNumbers.get(identifier)!
    const pieces = typesetter.textPieces(`${number}. `, {role: 'sans', weight: 'regular', fontSize: size})
    definition.children.forEach((child, index) => {
      if (index > 0) pieces.push({...pieces[0]!, text: '', hardBreak: true})
      if (child.type === 'paragraph') typesetter.pieces((child as Paragraph).children, {role: 'serif', weight: 'regular', fontSize: size}, pieces)
      else pieces.push(...typesetter.textPieces(plainBlock(child), {role: 'serif', weight: 'regular', fontSize: size}))
    })
    notes.push(...Typesetter.keepLines(typesetter.lines(pieces, {measure, fontSize: size, leading, justify: true})))
  }
  return [{nodes: [rule]}, {nodes: heading, heading: true}, {nodes: notes}]
}

function plainBlock(node: RootContent): string {
  if ('value' in node && typeof node.value === 'string') return node.value
  if ('children' in node) return (node.children as RootContent[]).map(plainBlock).join(' ')
  return ''
}

