/**
 * Section → spoken blocks: the speech script.
 *
 * A spoken block is the unit the audio edition synthesizes and times, and the unit a
 * read-along (EPUB Media Overlays) highlights. Ids are stable and derived from the Book
 * alone, so the EPUB renderer can call `spokenBlocks` and tag the same elements:
 *
 *   `${section.id}-t`      the section title
 *   `${section.id}-h${n}`  a sub-heading
 *   `${section.id}-p${n}`  a paragraph (also inside block quotes)
 *   `${section.id}-li${n}` a list item (its whole text, nested lists included)
 *   `${section.id}-tr${n}` a table row (the header row is row 1)
 *   `${section.id}-c${n}`  a code block (only when summarised)
 *
 * n counts from 1 per kind per section in document order, counting every node of the kind
 * that yields a block (empty nodes and skipped code blocks do not consume a number).
 */
import type {Blockquote, List, ListItem, PhrasingContent, RootContent, Table, TableRow} from 'mdast'
import type {Book, Section} from '../../book/types.js'
import {isCjkLanguage} from '../../book/language.js'

export type BlockKind = 'title' | 'heading' | 'paragraph' | 'item' | 'row' | 'code'

export interface SpokenBlock {
  /** Stable id, see the module comment. */
  id: string
  kind: BlockKind
  /** Plain text to speak (no markup, no speaker label). */
  text: string
  /** Speaker of a turn (and of the paragraphs following it, until the next heading or label). */
  speaker?: string
  /** Silence after the block, in milliseconds. */
  pauseMs: number
  /** 1-based source line, when known. */
  line?: number
}

/** Things left out of the speech, counted for one warning per section. */
export interface Skipped {
  images: number
  code: number
  footnotes: number
  html: number
}

export interface ScriptOptions {
  code: 'skip' | 'summary'
  /**
   * Told of every block with the mdast node it comes from (undefined for the section title):
   * the read-along EPUB tags exactly these nodes' elements with the block ids.
   */
  onBlock?: (id: string, node: SpokenNode | undefined) => void
}

/** The mdast nodes that yield a block. */
export type SpokenNode = RootContent | ListItem | TableRow

/** Pauses: longer after titles, shorter between list items and table rows. */
export const PAUSES = {title: 900, heading: 700, paragraph: 450, item: 300, row: 300, code: 450} as const

export function spokenBlocks(
  section: Section,
  book: Pick<Book, 'meta'>,
  options: ScriptOptions = {code: 'summary'},
  skipped: Skipped = {images: 0, code: 0, footnotes: 0, html: 0}
): SpokenBlock[] {
  const cjk = isCjkLanguage(book.meta.language)
  const blocks: SpokenBlock[] = []
  const counters = {h: 0, p: 0, li: 0, tr: 0, c: 0}
  let speaker: string | undefined
  const push = (kind: BlockKind, prefix: string, text: string, node: SpokenNode, line?: number) => {
    const clean = tidy(text)
    if (!clean) return
    blocks.push({id: `${section.id}-${prefix}`, kind, text: clean, speaker, pauseMs: PAUSES[kind], line})
    options.onBlock?.(`${section.id}-${prefix}`, node)
  }
  const inline = (nodes: PhrasingContent[]) => phrasingText(nodes, skipped)

  if (section.title) {
    const clean = tidy(inline(section.titleNodes) || section.title)
    if (clean) {
      blocks.push({id: `${section.id}-t`, kind: 'title', text: clean, pauseMs: PAUSES.title, line: section.line})
      options.onBlock?.(`${section.id}-t`, undefined)
    }
  }

  const walk = (node: RootContent): void => {
    const line = node.position?.start.line
    switch (node.type) {
      case 'heading':
        speaker = undefined
        if (tidy(inline(node.children))) push('heading', `h${++counters.h}`, inline(node.children), node, line)
        break
      case 'paragraph': {
        if (node.data?.speaker) speaker = node.data.speaker.name
        const text = inline(node.children)
        if (tidy(text)) push('paragraph', `p${++counters.p}`, text, node, line)
        break
      }
      case 'blockquote':
        for (const child of (node as Blockquote).children) walk(child)
        break
      case 'list':
        for (const item of (node as List).children) {
          const text = listItemText(item, skipped, cjk)
          if (tidy(text)) push('item', `li${++counters.li}`, text, item, item.position?.start.line)
        }
        break
      case 'table':
        for (const row of (node as Table).children) {
          const text = rowText(row, skipped, cjk)
          if (tidy(text)) push('row', `tr${++counters.tr}`, text, row, row.position?.start.line)
        }
        break
      case 'code':
        skipped.code++
        if (options.code === 'summary') push('code', `c${++counters.c}`, codeSummary(node.value, node.lang, cjk), node, line)
        break
      case 'html':
        skipped.html++
        break
      case 'thematicBreak':
        if (blocks.length > 0) blocks[blocks.length - 1]!.pauseMs += 600
        break
      default:
        break
    }
  }
  for (const node of section.nodes) walk(node)
  return blocks
}

/** "代码块，共 12 行" / "Code block, 12 lines": announced, never read out. */
export function codeSummary(value: string, lang: string | null | undefined, cjk: boolean): string {
  const lines = value ? value.split('\n').length : 0
  if (cjk) return `此处有一段${lang ? ` ${lang} ` : ''}代码，共 ${lines} 行。`
  return `Code block${lang ? ` in ${lang}` : ''}, ${lines} line${lines === 1 ? '' : 's'}.`
}

function phrasingText(nodes: PhrasingContent[], skipped: Skipped): string {
  let out = ''
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
      case 'inlineCode':
        out += node.value
        break
      case 'break':
        out += ' '
        break
      case 'image':
      case 'imageReference':
        skipped.images++
        break
      case 'footnoteReference':
        skipped.footnotes++
        break
      case 'html':
        skipped.html++
        break
      case 'link': {
        // A bare URL as link text is read as its host name, never letter by letter.
        const text = phrasingText(node.children, skipped)
        out += looksLikeUrl(text) ? hostName(text) : text
        break
      }
      default:
        if ('children' in node) out += phrasingText(node.children as PhrasingContent[], skipped)
    }
  }
  return out
}

function listItemText(item: ListItem, skipped: Skipped, cjk: boolean): string {
  const parts: string[] = []
  for (const child of item.children) {
    if (child.type === 'paragraph' || child.type === 'heading') parts.push(phrasingText(child.children, skipped))
    else if (child.type === 'list') for (const sub of child.children) parts.push(listItemText(sub, skipped, cjk))
    else if (child.type === 'code') skipped.code++
    else if (child.type === 'blockquote') {
      for (const q of child.children) if (q.type === 'paragraph') parts.push(phrasingText(q.children, skipped))
    }
  }
  return joinClauses(parts, cjk)
}

function rowText(row: TableRow, skipped: Skipped, cjk: boolean): string {
  return joinClauses(
    row.children.map((cell) => phrasingText(cell.children, skipped)),
    cjk
  )
}

/** Join pieces with a pause-bearing comma unless a piece already ends in punctuation. */
function joinClauses(parts: string[], cjk: boolean): string {
  const pieces = parts.map(tidy).filter(Boolean)
  return pieces
    .map((piece, i) => (i < pieces.length - 1 && !/[\p{P}]$/u.test(piece) ? piece + (cjk ? '，' : ',') : piece))
    .join(cjk ? '' : ' ')
}

const URL_LIKE = /^(https?:\/\/|www\.|mailto:)\S+$/iu

function looksLikeUrl(text: string): boolean {
  return URL_LIKE.test(text.trim())
}

function hostName(text: string): string {
  const trimmed = text.trim().replace(/^mailto:/i, '')
  try {
    return new URL(/^[a-z]+:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`).hostname.replace(/^www\./, '')
  } catch {
    return ''
  }
}

/** Emoji and pictographs, box drawing, arrows: nothing a voice should spell out. */
const UNSPEAKABLE = /[\p{Extended_Pictographic}\u2190-\u21FF\u2500-\u257F\uFE0F\u200D]/gu

/** Collapse whitespace; drop symbols and URLs in running text; drop text with nothing to say. */
function tidy(text: string): string {
  const collapsed = text
    .replace(/(https?:\/\/|www\.)[^\s，。、）)]+/giu, (url) => hostName(url))
    .replace(UNSPEAKABLE, '')
    .replace(/\s+/gu, ' ')
    .trim()
  return /[\p{L}\p{N}]/u.test(collapsed) ? collapsed : ''
}
