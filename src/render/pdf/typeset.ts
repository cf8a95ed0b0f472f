/**
 * mdast → pdfmake content. Body text is broken into lines here (linebreak.ts) and each
 * line becomes one `noWrap` text node whose inlines carry the justifying character
 * spacing; pdfmake then only stacks lines onto pages. Tables keep pdfmake's own wrapping.
 */
import type {PdfNode} from './nodes.js'
import type {Blockquote, Code, Heading, List, ListItem, Paragraph, PhrasingContent, RootContent, Table} from 'mdast'
import type {FaceWeight} from '../../fonts/index.js'
import {shapedWidthEm} from '../../fonts/index.js'
import {breakLines, justifySpacing, wordSpacing, type BrokenLine, type Piece} from './linebreak.js'
import type {FontSet, TextRole} from './fontset.js'
import {resolveImage} from './images.js'
import type {PdfStyle} from './style.js'

/** What an inline carries besides its face and size. */
export interface InlineStyle {
  /** Size before superscript scaling (pdfmake scales `sup` itself). */
  baseSize: number
  sup?: boolean
  color?: string
  link?: string
  destination?: string
  decoration?: 'lineThrough' | 'underline'
}

interface Frame {
  role: TextRole
  weight: FaceWeight
  fontSize: number
  color?: string
  link?: string
  destination?: string
  decoration?: 'lineThrough'
  sup?: boolean
}

export interface TypesetHost {
  fonts: FontSet
  style: PdfStyle
  cjk: boolean
  baseDir: string
  warn(code: string, message: string, line?: number): void
  /** Footnote number for an identifier (assigned on first reference), or undefined when not defined. */
  footnoteNumber(identifier: string): number | undefined
  /** Register an image data URL; returns its key for pdfmake's `images` dictionary. */
  addImage(dataUrl: string): string
}

export interface TextBlockOptions {
  measure: number
  /** See BreakOptions.maxSlack. */
  maxSlack?: number
  fontSize: number
  leading: number
  justify: boolean
  firstLineIndent?: number
  alignment?: 'left' | 'center' | 'right'
}

/** Nodes of one block plus whether it is a heading (kept with what follows). */
export interface Block {
  nodes: PdfNode[]
  heading?: boolean
}

const SAFE_LINK = /^(https?:|mailto:)/i

export class Typesetter {
  /** Repeated notices, reported once each with a count (a book may hold hundreds). */
  private readonly notices = new Map<string, {message: string; line?: number; count: number}>()
  /** Section slugs → ids, so `#slug` links become internal links. */
  sectionIds = new Map<string, string>()

  constructor(readonly host: TypesetHost) {}

  private notice(code: string, message: string, line?: number): void {
    const seen = this.notices.get(code)
    if (seen) seen.count++
    else this.notices.set(code, {message, line, count: 1})
  }

  /** Report the collected notices (call once, after typesetting). */
  flushNotices(): void {
    for (const [code, {message, line, count}] of this.notices) {
      this.host.warn(code, count > 1 ? `${message} (${count} times; first shown)` : message, line)
    }
    this.notices.clear()
  }

  get style(): PdfStyle {
    return this.host.style
  }

  /** Styled pieces for phrasing content. */
  pieces(nodes: PhrasingContent[], frame: Frame, out: Piece<InlineStyle>[] = []): Piece<InlineStyle>[] {
    for (const node of nodes) this.piecesOf(node, frame, out)
    return out
  }

  textPieces(text: string, frame: Frame, line?: number): Piece<InlineStyle>[] {
    const drawnSize = frame.sup ? frame.fontSize * 0.58 : frame.fontSize
    const style: InlineStyle = {baseSize: frame.fontSize}
    if (frame.sup) style.sup = true
    if (frame.color) style.color = frame.color
    if (frame.link) style.link = frame.link
    if (frame.destination) style.destination = frame.destination
    if (frame.decoration) style.decoration = frame.decoration
    return this.host.fonts.pieces(text, frame.role, frame.weight, drawnSize, style, line)
  }

  private piecesOf(node: PhrasingContent, frame: Frame, out: Piece<InlineStyle>[]): void {
    const line = node.position?.start.line
    switch (node.type) {
      case 'text':
        out.push(...this.textPieces(node.value, frame, line))
        return
      case 'strong':
        this.pieces(node.children, {...frame, weight: 'bold'}, out)
        return
      case 'emphasis':
        // CJK has no italics: emphasis switches to the Hei (sans) face, as Chinese books do.
        this.pieces(node.children, {...frame, role: frame.role === 'serif' ? 'sans' : frame.role}, out)
        return
      case 'delete':
        this.pieces(node.children, {...frame, decoration: 'lineThrough'}, out)
        return
      case 'inlineCode':
        out.push(...this.textPieces(node.value, {...frame, role: 'mono', fontSize: frame.fontSize * 0.92}, line))
        return
      case 'link': {
        if (node.url.startsWith('#')) {
          const id = this.sectionIds.get(safeDecode(node.url.slice(1)))
          if (id) {
            this.pieces(node.children, {...frame, destination: id, color: this.style.link.color}, out)
            return
          }
        }
        const link = SAFE_LINK.test(node.url) ? node.url : undefined
        if (!link) this.notice('link-unsupported', `link '${node.url}' is not a web address, mail address or section of this book; shown as text`, line)
        this.pieces(node.children, link ? {...frame, link, color: this.style.link.color} : frame, out)
        return
      }
      case 'footnoteReference': {
        const number = this.host.footnoteNumber(node.identifier)
        if (number === undefined) {
          this.host.warn('footnote-missing', `footnote [^${node.label ?? node.identifier}] has no definition`, line)
          out.push(...this.textPieces(`[^${node.label ?? node.identifier}]`, frame, line))
        } else {
          out.push(...this.textPieces(String(number), {...frame, sup: true}, line))
        }
        return
      }
      case 'break':
        out.push({text: '', face: this.host.fonts.chain(frame.role, frame.weight).primary, fontSize: frame.fontSize, style: {baseSize: frame.fontSize}, hardBreak: true})
        return
      case 'image': {
        const alt = node.alt || node.url
        const result = resolveImage(node.url, this.host.baseDir)
        const reason = result.ok ? `image '${node.url}' inside running text is shown by its alt text` : result.reason
        this.host.warn(result.ok ? 'image-inline' : result.code, `${reason} (alt text used)`, line)
        out.push(...this.textPieces(`[${alt}]`, frame, line))
        return
      }
      case 'html':
        if (/^<br\s*\/?>$/i.test(node.value.trim())) {
          out.push({text: '', face: this.host.fonts.chain(frame.role, frame.weight).primary, fontSize: frame.fontSize, style: {baseSize: frame.fontSize}, hardBreak: true})
        }
        // Other inline tags are dropped; the text between them is separate text nodes and stays.
        return
      default: {
        const anyNode = node as {children?: PhrasingContent[]; value?: string}
        if (anyNode.children) this.pieces(anyNode.children, frame, out)
        else if (typeof anyNode.value === 'string') out.push(...this.textPieces(anyNode.value, frame, line))
      }
    }
  }

  /** Break pieces into line nodes. */
  lines(pieces: Piece<InlineStyle>[], options: TextBlockOptions): PdfNode[] {
    if (pieces.length === 0) return []
    const broken = breakLines(pieces, {measure: options.measure, firstLineIndent: options.firstLineIndent, maxSlack: options.maxSlack})
    return broken.map((line, index) => this.lineNode(line, options, index === 0 ? options.firstLineIndent ?? 0 : 0))
  }

  private lineNode(line: BrokenLine<InlineStyle>, options: TextBlockOptions, indent: number): PdfNode {
    // Aim a hair short of the measure so float error never pushes an inline to a new line.
    const target = {...line, measure: line.measure - 0.002}
    const wordGap = options.justify ? wordSpacing(target) : undefined
    const spacing = options.justify && wordGap === undefined ? justifySpacing(target) : 0
    const {spaceExtra, letterGap} = wordGap === undefined ? {spaceExtra: 0, letterGap: 0} : splitSlack(line, wordGap, options.fontSize)
    const inlines: Record<string, unknown>[] = []
    for (const run of line.runs) {
      const {piece} = run
      const base: Record<string, unknown> = {
        font: piece.face.key,
        fontSize: piece.style.baseSize,
        lineHeight: this.host.fonts.lineHeightFactor(piece.face, piece.fontSize, options.leading)
      }
      if (piece.style.sup) base.sup = true
      if (piece.style.color) base.color = piece.style.color
      if (piece.style.link) base.link = piece.style.link
      if (piece.style.destination) base.linkToDestination = piece.style.destination
      if (piece.style.decoration) base.decoration = piece.style.decoration
      if (piece.features) base.fontFeatures = piece.features
      if (wordGap === undefined) {
        inlines.push(spacing ? {...base, text: run.text, characterSpacing: spacing} : {...base, text: run.text})
        continue
      }
      // Word mode: each space becomes a two-space inline whose character spacing widens it
      // by the line's share of slack (pdfmake counts spacing once for a two-character inline).
      const spaceWidth = shapedWidthEm(piece.face, ' ', piece.features) * piece.fontSize
      for (const part of run.text.split(/( )/)) {
        if (part === '') continue
        if (part === ' ') inlines.push({...base, text: '  ', characterSpacing: spaceExtra - spaceWidth})
        else inlines.push(letterGap ? {...base, text: part, characterSpacing: letterGap} : {...base, text: part})
      }
    }
    const node: PdfNode = {text: inlines.length > 0 ? inlines : [this.blankInline(options)], noWrap: true, preserveLeadingSpaces: true}
    if (indent) node.margin = [indent, 0, 0, 0]
    if (options.alignment && options.alignment !== 'left') node.alignment = options.alignment
    return small(node)
  }

  private blankInline(options: TextBlockOptions): Record<string, unknown> {
    const face = this.host.fonts.chain('serif', 'regular').primary
    return {text: ' ', font: face.key, fontSize: options.fontSize, lineHeight: this.host.fonts.lineHeightFactor(face, options.fontSize, options.leading)}
  }

  /**
   * Group lines so no paragraph leaves one line alone at a page's top or bottom. The groups
   * are a few lines high: pdfmake drops whatever of an unbreakable block overflows a page.
   */
  static keepLines(lines: PdfNode[]): PdfNode[] {
    if (lines.length <= 3) return lines.length > 1 ? [small({stack: lines, unbreakable: true})] : lines.map(small)
    return [
      small({stack: lines.slice(0, 2), unbreakable: true}),
      ...lines.slice(2, -2),
      small({stack: lines.slice(-2), unbreakable: true})
    ]
  }

  bodyOptions(measure: number): TextBlockOptions {
    const {body} = this.style
    return {
      measure,
      fontSize: body.fontSize,
      leading: body.fontSize * body.lineHeight,
      justify: true,
      firstLineIndent: body.fontSize * (this.host.cjk ? body.firstLineIndentEm : body.latinFirstLineIndentEm),
      // CJK text has a break chance at every character, so only a long Latin token leaves a
      // gap; in Latin books words are not cut (spaces take the slack).
      maxSlack: this.host.cjk ? body.fontSize * 6 : undefined
    }
  }

  bodyFrame(): Frame {
    return {role: 'serif', weight: 'regular', fontSize: this.style.body.fontSize}
  }

  /** Block content → blocks. `depth` is the section's heading depth (sub-headings are relative to it). */
  blocks(nodes: RootContent[], measure: number, sectionDepth: number): Block[] {
    const blocks: Block[] = []
    for (const node of nodes) blocks.push(...this.block(node, measure, sectionDepth))
    return blocks
  }

  private block(node: RootContent, measure: number, sectionDepth: number): Block[] {
    const line = node.position?.start.line
    switch (node.type) {
      case 'paragraph':
        return this.paragraph(node, measure)
      case 'heading':
        return [this.subHeading(node, measure, sectionDepth)]
      case 'blockquote':
        return [this.blockquote(node, measure, sectionDepth)]
      case 'list':
        return [this.list(node, measure, sectionDepth)]
      case 'code':
        return [this.code(node, measure)]
      case 'table':
        return [this.table(node)]
      case 'thematicBreak':
        return [this.rule(measure)]
      case 'html': {
        const text = stripHtml(node.value)
        this.notice('html-stripped', 'raw HTML is not rendered in the PDF; its text is kept', line)
        if (!text) return []
        return [{nodes: Typesetter.keepLines(this.lines(this.textPieces(text, this.bodyFrame(), line), this.bodyOptions(measure)))}]
      }
      case 'yaml':
      case 'definition':
      case 'footnoteDefinition':
        return []
      default: {
        const anyNode = node as {children?: RootContent[]; value?: string}
        if (anyNode.children) return this.blocks(anyNode.children, measure, sectionDepth)
        if (typeof anyNode.value === 'string') {
          return [{nodes: this.lines(this.textPieces(anyNode.value, this.bodyFrame(), line), this.bodyOptions(measure))}]
        }
        return []
      }
    }
  }

  paragraph(node: Paragraph, measure: number): Block[] {
    const meaningful = node.children.filter((child) => !(child.type === 'text' && child.value.trim() === ''))
    if (meaningful.length > 0 && meaningful.every((child) => child.type === 'image')) {
      return meaningful.map((image) => this.image(image as Extract<PhrasingContent, {type: 'image'}>, measure))
    }
    const pieces: Piece<InlineStyle>[] = []
    const speaker = node.data?.speaker
    if (speaker) {
      let label = speaker.label
      if (/[:;,.!?]$/.test(label)) label += ' '
      pieces.push(
        ...this.textPieces(label, {role: 'sans', weight: 'bold', fontSize: this.style.body.fontSize, color: this.style.speakerLabel.color}, node.position?.start.line)
      )
    }
    this.pieces(node.children, this.bodyFrame(), pieces)
    const lines = this.lines(pieces, this.bodyOptions(measure))
    const spacing = this.style.body.paragraphSpacingEm * this.style.body.fontSize
    if (spacing && lines.length > 0) lines[lines.length - 1]!.margin = addBottom(lines[lines.length - 1]!.margin, spacing)
    return [{nodes: Typesetter.keepLines(lines)}]
  }

  private image(node: Extract<PhrasingContent, {type: 'image'}>, measure: number): Block {
    const line = node.position?.start.line
    const result = resolveImage(node.url, this.host.baseDir)
    if (!result.ok) {
      this.host.warn(result.code, `${result.reason} (alt text used)`, line)
      const frame = {...this.bodyFrame(), color: '#555555'}
      return {nodes: this.lines(this.textPieces(`[${node.alt || node.url}]`, frame, line), {...this.bodyOptions(measure), justify: false, firstLineIndent: 0, alignment: 'center'})}
    }
    // 1 px = 0.75 pt (96 dpi), never wider than the measure nor taller than half a page.
    let width = Math.min(result.widthPx * 0.75, measure)
    let height = (width / result.widthPx) * result.heightPx
    const maxHeight = measure * 1.2
    if (height > maxHeight) {
      width *= maxHeight / height
      height = maxHeight
    }
    const key = this.host.addImage(result.dataUrl)
    return {nodes: [{image: key, width, height, alignment: 'center', margin: [0, 6, 0, 6]}]}
  }

  /** A heading line block (section titles and sub-headings): sans bold, ragged. */
  headingLines(nodes: PhrasingContent[], fontSize: number, measure: number): PdfNode[] {
    return this.lines(this.pieces(nodes, {role: 'sans', weight: 'bold', fontSize}), {measure, fontSize, leading: fontSize * 1.45, justify: false})
  }

  private subHeading(node: Heading, measure: number, sectionDepth: number): Block {
    const level = Math.min(4, Math.max(2, node.depth - sectionDepth + 1)) as 2 | 3 | 4
    const style = this.style.headings[String(level) as '2' | '3' | '4']
    const lines = this.headingLines(node.children, style.fontSize, measure)
    if (lines.length === 0) return {nodes: []}
    const size = this.style.body.fontSize
    lines[0]!.margin = [0, style.spaceBeforeEm * size, 0, 0]
    lines[lines.length - 1]!.margin = addBottom(lines[lines.length - 1]!.margin, style.spaceAfterEm * size)
    return {nodes: lines, heading: true}
  }

  private blockquote(node: Blockquote, measure: number, sectionDepth: number): Block {
    const indent = this.style.blockquote.indentEm * this.style.body.fontSize
    const inner = this.blocks(node.children, measure - indent, sectionDepth).flatMap((b) => b.nodes)
    return {nodes: [{stack: inner, margin: [indent, 2, 0, 6], color: this.style.blockquote.color}]}
  }

  private list(node: List, measure: number, sectionDepth: number): Block {
    const size = this.style.body.fontSize
    const start = node.start ?? 1
    const markers = node.children.map((item: ListItem, index) => {
      if (item.checked === true) return '■'
      if (item.checked === false) return '□'
      return node.ordered ? `${start + index}.` : '•'
    })
    const markerPieces = markers.map((marker) => this.textPieces(marker, node.ordered ? this.bodyFrame() : {...this.bodyFrame(), role: 'mono'}))
    // The marker column fits the widest marker ("128.") plus a gap, and is at least the list indent.
    const gap = size * 0.5
    const widest = Math.max(0, ...markerPieces.map((pieces) => pieces.reduce((sum, p) => sum + shapedWidthEm(p.face, p.text, p.features) * p.fontSize, 0)))
    const column = Math.max(this.style.list.indentEm * size, widest + gap)
    const items = node.children.map((item: ListItem, index) => {
      const content = item.children.flatMap((child) => {
        // List paragraphs are not indented: the marker already marks the start.
        if (child.type === 'paragraph') return this.listParagraph(child, measure - column)
        return this.block(child, measure - column, sectionDepth)
      })
      const markerNode = {
        text: markerPieces[index]!.map((p) => ({
          text: p.text,
          font: p.face.key,
          fontSize: p.fontSize,
          lineHeight: this.host.fonts.lineHeightFactor(p.face, p.fontSize, size * this.style.body.lineHeight)
        })),
        noWrap: true,
        width: column,
        alignment: 'right' as const,
        margin: [0, 0, gap, 0] as [number, number, number, number]
      }
      return {columns: [markerNode, {width: '*', stack: content.flatMap((b) => b.nodes)}], columnGap: 0}
    })
    return {nodes: [{stack: items as PdfNode[], margin: [0, 2, 0, 4]}]}
  }

  private listParagraph(node: Paragraph, measure: number): Block[] {
    const pieces = this.pieces(node.children, this.bodyFrame())
    return [{nodes: this.lines(pieces, {...this.bodyOptions(measure), firstLineIndent: 0})}]
  }

  private code(node: Code, measure: number): Block {
    const {code} = this.style
    const padding = code.padding
    const lines: PdfNode[] = []
    const frame: Frame = {role: 'mono', weight: 'regular', fontSize: code.fontSize}
    const line = node.position?.start.line
    for (const [offset, sourceLine] of node.value.split('\n').entries()) {
      const pieces = this.textPieces(sourceLine.replace(/\t/g, '    ') || ' ', frame, line === undefined ? undefined : line + 1 + offset)
      lines.push(...this.lines(pieces, {measure: measure - 2 * padding, fontSize: code.fontSize, leading: code.fontSize * code.lineHeight, justify: false}))
    }
    return {
      nodes: [
        {
          table: {widths: ['*'], body: [[{stack: lines, fillColor: code.background}]], dontBreakRows: false},
          layout: {
            hLineWidth: () => 0,
            vLineWidth: () => 0,
            paddingLeft: () => padding,
            paddingRight: () => padding,
            paddingTop: () => padding,
            paddingBottom: () => padding
          },
          margin: [0, 4, 0, 8]
        }
      ]
    }
  }

  private table(node: Table): Block {
    const {table} = this.style
    const columns = Math.max(1, ...node.children.map((row) => row.children.length))
    const body: PdfNode[][] = node.children.map((row, rowIndex) => {
      const cells: PdfNode[] = row.children.map((cell, columnIndex) => {
        const frame: Frame = {role: rowIndex === 0 ? 'sans' : 'serif', weight: rowIndex === 0 ? 'bold' : 'regular', fontSize: table.fontSize}
        const pieces = this.pieces(cell.children, frame)
        const text = pieces.map((p) => ({text: p.hardBreak ? '\n' : p.text, font: p.face.key, fontSize: p.style.baseSize, ...(p.style.sup ? {sup: true} : {}), ...(p.style.link ? {link: p.style.link, color: p.style.color} : {}), ...(p.style.decoration ? {decoration: p.style.decoration} : {})}))
        const alignment = node.align?.[columnIndex] ?? 'left'
        return {text: text.length > 0 ? text : ' ', alignment, lineHeight: 1.15, ...(rowIndex === 0 ? {fillColor: table.headerBackground} : {})} as PdfNode
      })
      while (cells.length < columns) cells.push({text: ' '})
      return cells
    })
    return {
      nodes: [
        {
          table: {headerRows: 1, widths: Array.from({length: columns}, () => '*'), body},
          layout: {
            hLineWidth: () => 0.5,
            vLineWidth: () => 0.5,
            hLineColor: () => table.lineColor,
            vLineColor: () => table.lineColor
          },
          margin: [0, 4, 0, 8]
        }
      ]
    }
  }

  private rule(measure: number): Block {
    const width = measure / 3
    return {
      nodes: [{canvas: [{type: 'line', x1: width, y1: 0, x2: 2 * width, y2: 0, lineWidth: 0.5, lineColor: '#888888'}], margin: [0, 10, 0, 10]}]
    }
  }
}

/**
 * Share a word-mode line's slack: spaces widen by up to 0.6 em, the rest goes between
 * letters. Gaping word spaces are ugly, and text extractors (pdftotext, screen readers)
 * mistake them for column gaps and scramble the reading order.
 */
function splitSlack(line: BrokenLine<InlineStyle>, wordGap: number, fontSize: number): {spaceExtra: number; letterGap: number} {
  const cap = fontSize * 0.6
  if (wordGap <= cap) return {spaceExtra: wordGap, letterGap: 0}
  let spaces = 0
  let letterGaps = 0
  for (const run of line.runs) {
    for (const part of run.text.split(/( )/)) {
      if (part === ' ') spaces++
      else if (part) letterGaps += part.length - 1
    }
  }
  if (letterGaps === 0) return {spaceExtra: wordGap, letterGap: 0}
  return {spaceExtra: cap, letterGap: ((wordGap - cap) * spaces) / letterGaps}
}

/** Nodes known to be at most a few lines high: safe inside an unbreakable group. */
const smallNodes = new WeakSet<object>()

function small(node: PdfNode): PdfNode {
  smallNodes.add(node)
  return node
}

export function isSmall(node: PdfNode): boolean {
  return smallNodes.has(node)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function addBottom(margin: PdfNode['margin'], bottom: number): [number, number, number, number] {
  const [left, top, right, old] = Array.isArray(margin) && margin.length === 4 ? margin : [0, 0, 0, 0]
  return [left, top, right, (old ?? 0) + bottom]
}

/** Text content of raw HTML, without tags, scripts, styles or comments. */
export function stripHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
}
