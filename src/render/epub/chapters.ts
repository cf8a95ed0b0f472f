/**
 * Book sections → XHTML chapter bodies.
 *
 * Two passes: the first turns every section into sanitised hast and collects every id in the
 * book (headings, raw-HTML anchors, footnotes); the second rewrites links against those ids —
 * a fragment can point into a later chapter — and serialises. Each step is linear in the
 * size of the book.
 */
import type {Element, ElementContent, Nodes as HastNodes, Root as HastRoot, RootContent as HastContent} from 'hast'
import {raw} from 'hast-util-raw'
import {sanitize} from 'hast-util-sanitize'
import type {Code, FootnoteReference, Heading, Image, Link, ListItem, Paragraph, Parents, Root as MdastRoot, RootContent, TableRow} from 'mdast'
import {defaultHandlers, toHast, type Handlers, type State} from 'mdast-util-to-hast'
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {VFile} from 'vfile'
import type {Book, Section} from '../../book/types.js'
import {spokenBlocks, type ScriptOptions} from '../audio/script.js'
import type {Warning} from '../../report.js'
import type {ImageStore} from './assets.js'
import {labels} from './documents.js'
import {Anchors, githubSlug, linkTarget, type LinkContext} from './links.js'
import {xhtmlSchema} from './schema.js'
import {toXhtml} from './serialize.js'
import {speakerRoles} from './speakers.js'
import {toNcName, type ForbiddenTally} from './xml.js'

type Warn = (warning: Omit<Warning, 'stage'>) => void

export interface Chapter {
  section: Section
  /** File name inside OEBPS/. */
  file: string
  /** Id of the chapter's own heading (for the nav). */
  headingId?: string
  /** Serialised body content (inside <section>). */
  body: string
  /** Read-along only: spoken block id → id of the element that shows it. */
  spoken: Map<string, string>
}

/** Read-along: tag the elements the audio edition speaks with its block ids. */
export interface ReadAlongMarks {
  code: ScriptOptions['code']
}

/**
 * Temporary id prefix of a spoken element until tidy() gives it its block id. The random part
 * (never written out) keeps raw HTML from posing as a spoken element.
 */
const SPOKEN_PREFIX = `imprint-spoken-${randomBytes(8).toString('hex')}-`

interface Draft {
  section: Section
  file: string
  tree: HastRoot
  /** Original id → id written in this document. */
  ids: Map<string, string>
  headingId?: string
  spoken: Map<string, string>
}

interface Note {
  number: number
  file: string
  refs: number
}

export function chapterFile(section: Section): string {
  return `${section.id}.xhtml`
}

function textOf(node: HastNodes): string {
  if (node.type === 'text') return node.value
  if ('children' in node) return (node.children as HastNodes[]).map(textOf).join('')
  return ''
}

function hasRaw(node: HastNodes): boolean {
  if (node.type === 'raw') return true
  return 'children' in node && (node.children as HastNodes[]).some(hasRaw)
}

function classesOf(element: Element): string[] {
  const value: unknown = element.properties.className
  if (Array.isArray(value)) return value.map(String)
  return typeof value === 'string' ? value.split(/\s+/) : []
}

function lineOf(element: Element, fallback: number): number {
  const value = Number(element.properties.dataLine)
  delete element.properties.dataLine
  // Elements from raw HTML carry their own position (hast-util-raw keeps it).
  return Number.isInteger(value) && value > 0 ? value : (element.position?.start.line ?? fallback)
}

/** Replace `element` in its parent by `replacement` nodes. */
function replaceIn(parent: {children: HastContent[]}, index: number, replacement: ElementContent[]): void {
  parent.children.splice(index, 1, ...replacement)
}

export function renderChapters(book: Book, images: ImageStore, warn: Warn, readAlong?: ReadAlongMarks): Chapter[] {
  const roles = speakerRoles(book.speakers)
  const words = labels(book.meta.language)
  const notes = new Map<string, Note>()
  const anchors = new Anchors()
  const slugCounts = new Map<string, number>()
  const links: LinkContext = {
    anchors,
    files: new Set(book.sections.map(chapterFile)),
    manuscriptName: book.source ? path.basename(book.source) : '',
    warn
  }

  const drafts = book.sections.map((section) => {
    const file = chapterFile(section)
    const pending: string[] = []
    const hast = sectionToHast(section, file, pending)
    // With a file, hast-util-raw gives the elements it parses their source positions (for warnings).
    const tree = sanitize(hasRaw(hast) ? raw(hast, {file: new VFile()}) : hast, xhtmlSchema) as HastRoot
    const draft: Draft = {section, file, tree, ids: new Map(), spoken: new Map()}
    tidy(draft)
    return draft
  })
  for (const [identifier, definition] of book.footnotes) {
    if (!notes.has(identifier)) {
      warn({code: 'footnote-unused', message: `footnote [^${definition.label ?? identifier}] is never referenced; left out`, line: definition.position?.start.line})
    }
  }
  return drafts.map((draft) => {
    resolveLinks(draft)
    const tally: ForbiddenTally = {count: 0}
    const body = toXhtml(draft.tree, tally)
    if (tally.count > 0) {
      warn({code: 'xml-forbidden-char', message: `${tally.count} character(s) that XML 1.0 forbids removed in section '${draft.section.title || draft.section.id}'`, line: draft.section.line})
    }
    return {section: draft.section, file: draft.file, headingId: draft.headingId, body, spoken: draft.spoken}
  })

  function sectionToHast(section: Section, file: string, pending: string[]): HastRoot {
    const base = section.depth || 1
    let inNote = false
    // Read-along: the mdast nodes spokenBlocks() speaks, by identity (the title is the heading made below).
    const spokenNodes = new Map<object, string>()
    let titleBlock: string | undefined
    if (readAlong) {
      const onBlock: ScriptOptions['onBlock'] = (id, node) => {
        if (node) spokenNodes.set(node, id)
        else titleBlock = id
      }
      spokenBlocks(section, book, {code: readAlong.code, onBlock})
    }
    const mark = (node: object, result: Element): Element => {
      const id = spokenNodes.get(node)
      if (id) result.properties.id = `${SPOKEN_PREFIX}${id}`
      return result
    }
    const handlers: Handlers = {
      heading(state: State, node: Heading) {
        const level = (node.data as {imprintLevel?: number} | undefined)?.imprintLevel ?? Math.min(6, Math.max(2, node.depth - base + 1))
        const result: Element = {type: 'element', tagName: `h${level}`, properties: {}, children: state.all(node)}
        state.patch(node, result)
        return mark(node, state.applyData(node, result) as Element)
      },
      tableRow(state: State, node: TableRow, parent: Parents | undefined) {
        return mark(node, defaultHandlers.tableRow(state, node, parent))
      },
      code(state: State, node: Code) {
        return mark(node, defaultHandlers.code(state, node))
      },
      paragraph(state: State, node: Paragraph) {
        const speaker = node.data?.speaker
        if (!speaker) {
          const result = mark(node, defaultHandlers.paragraph(state, node))
          // A paragraph holding only images is a figure: centred, not indented.
          if (node.children.length > 0 && node.children.every((c) => c.type === 'image' || (c.type === 'text' && c.value.trim() === ''))) {
            result.properties.className = ['image']
          }
          return result
        }
        const role = roles.get(speaker.name) ?? 'answer'
        const label: Element = {type: 'element', tagName: 'span', properties: {className: ['speaker']}, children: [{type: 'text', value: speaker.label}]}
        const result: Element = {
          type: 'element',
          tagName: 'p',
          properties: {className: ['turn', `turn-${role}`]},
          children: [label, ...state.all(node)]
        }
        state.patch(node, result)
        return mark(node, result)
      },
      listItem(state: State, node: ListItem, parent: Parents | undefined) {
        const result = mark(node, defaultHandlers.listItem(state, node, parent))
        // A task box is text in the EPUB: no form controls in the book.
        if (typeof node.checked === 'boolean') replaceCheckbox(result, node.checked)
        return result
      },
      image(state: State, node: Image) {
        const result = defaultHandlers.image(state, node)
        if (node.position) result.properties.dataLine = node.position.start.line
        return result
      },
      link(state: State, node: Link) {
        const result = defaultHandlers.link(state, node)
        if (node.position) result.properties.dataLine = node.position.start.line
        return result
      },
      footnoteReference(_state: State, node: FootnoteReference) {
        const definition = book.footnotes.get(node.identifier)
        if (!definition || inNote) {
          if (!definition) warn({code: 'footnote-missing', message: `footnote [^${node.label ?? node.identifier}] has no definition; shown as text`, line: node.position?.start.line})
          return {type: 'text', value: `[^${node.label ?? node.identifier}]`}
        }
        let note = notes.get(node.identifier)
        if (!note) {
          note = {number: notes.size + 1, file, refs: 0}
          notes.set(node.identifier, note)
          pending.push(node.identifier)
        }
        note.refs++
        const target = `imprint-fn-${note.number}`
        const link: Element = {
          type: 'element',
          tagName: 'a',
          properties: {
            href: note.file === file ? `#${target}` : `${note.file}#${target}`,
            id: `imprint-fnref-${note.number}${note.refs > 1 ? `-${note.refs}` : ''}`,
            className: ['noteref']
          },
          children: [{type: 'text', value: String(note.number)}]
        }
        return {type: 'element', tagName: 'sup', properties: {}, children: [link]}
      }
    }
    const children: RootContent[] = []
    if (section.titleNodes.length > 0) {
      const title: Heading = {type: 'heading', depth: 1, children: section.titleNodes, data: {imprintLevel: 1} as Heading['data']}
      if (titleBlock) spokenNodes.set(title, titleBlock)
      children.push(title)
    }
    children.push(...section.nodes)
    const options = {allowDangerousHtml: true, handlers, footnoteLabel: '', clobberPrefix: ''}
    const root = toHast({type: 'root', children} as MdastRoot, options) as HastRoot
    // Footnotes whose first reference is in this chapter are placed at its end.
    if (pending.length > 0) {
      inNote = true
      const asides: ElementContent[] = pending.map((identifier) => {
        const note = notes.get(identifier)!
        const definition = book.footnotes.get(identifier)!
        const content = toHast({type: 'root', children: definition.children} as MdastRoot, options) as HastRoot
        const blocks = content.children.filter((c): c is Element => c.type === 'element')
        const back: Element = {
          type: 'element',
          tagName: 'a',
          properties: {href: `#imprint-fnref-${note.number}`, className: ['backlink']},
          children: [{type: 'text', value: '↑'}]
        }
        const last = blocks.at(-1)
        if (last && last.tagName === 'p') last.children.push({type: 'text', value: ' '}, back)
        else blocks.push({type: 'element', tagName: 'p', properties: {}, children: [back]})
        const marker: Element = {type: 'element', tagName: 'span', properties: {className: ['note-number']}, children: [{type: 'text', value: `${note.number}. `}]}
        const first = blocks[0]
        if (first && first.tagName === 'p') first.children.unshift(marker)
        return {type: 'element', tagName: 'aside', properties: {id: `imprint-fn-${note.number}`, className: ['footnote']}, children: blocks}
      })
      root.children.push({type: 'element', tagName: 'section', properties: {className: ['footnotes']}, children: asides})
    }
    return root
  }

  /** Ids, images, table alignment, task boxes and EPUB semantics, on the sanitised tree. */
  function tidy(draft: Draft): void {
    const used = new Set<string>()
    const unique = (wanted: string): string => {
      let id = toNcName(wanted)
      if (used.has(id)) {
        let n = 2
        while (used.has(`${id}-${n}`)) n++
        id = `${id}-${n}`
      }
      used.add(id)
      return id
    }
    const register = (original: string, id: string) => {
      if (!draft.ids.has(original)) draft.ids.set(original, id)
      anchors.register(original, draft.file, id)
    }
    const visit = (parent: {children: HastContent[]}): void => {
      for (let index = 0; index < parent.children.length; index++) {
        const node = parent.children[index]!
        if (node.type !== 'element') continue
        const element = node
        const props = element.properties
        if (element.tagName === 'a' && props.name !== undefined) {
          if (props.id === undefined) props.id = String(props.name)
          delete props.name
        }
        const spokenId = readAlong && typeof props.id === 'string' && props.id.startsWith(SPOKEN_PREFIX) ? props.id.slice(SPOKEN_PREFIX.length) : undefined
        if (spokenId !== undefined) {
          // A spoken block: its id is the block id (a heading's slug still reaches it).
          if (draft.spoken.has(spokenId)) delete props.id
          else {
            props.id = unique(spokenId)
            draft.spoken.set(spokenId, props.id)
            if (/^h[1-6]$/.test(element.tagName)) register(headingSlug(element), props.id)
          }
        } else if (props.id !== undefined && props.id !== null) {
          const original = String(props.id)
          // Our own footnote ids are referenced verbatim; user ids may not take that prefix.
          const wanted = original.startsWith('imprint-') && !classesOf(element).some((c) => c === 'noteref' || c === 'footnote') ? `u-${original}` : original
          props.id = unique(wanted)
          register(original, String(props.id))
        } else if (/^h[1-6]$/.test(element.tagName)) {
          const slug = headingSlug(element)
          props.id = unique(slug || 'heading')
          register(slug, String(props.id))
        }
        if (element.tagName === 'h1' && !draft.headingId) draft.headingId = String(props.id)
        if (element.tagName === 'img') {
          const line = lineOf(element, draft.section.line)
          const src = props.src === undefined || props.src === null ? '' : String(props.src)
          const alt = props.alt === undefined || props.alt === null ? '' : String(props.alt)
          const href = src ? images.resolve(src, line) : undefined
          if (!src) warn({code: 'image-unsafe', message: 'an image without a usable source was removed; alt text used', line})
          if (!href) {
            replaceIn(parent, index, alt ? [{type: 'element', tagName: 'span', properties: {className: ['image-alt']}, children: [{type: 'text', value: alt}]}] : [])
            index--
            continue
          }
          props.src = href
          props.alt = alt
          for (const key of ['width', 'height']) if (props[key] !== undefined && !/^\d+$/.test(String(props[key]))) delete props[key]
        }
        if ((element.tagName === 'td' || element.tagName === 'th') && props.align !== undefined) {
          const align = String(props.align)
          delete props.align
          if (/^(left|right|center)$/.test(align)) props.className = [...classesOf(element), `align-${align}`]
        }
        const classes = classesOf(element)
        if (element.tagName === 'a' && classes.includes('noteref')) {
          props['epub:type'] = 'noteref'
          props.role = 'doc-noteref'
        } else if (element.tagName === 'aside' && classes.includes('footnote')) {
          props['epub:type'] = 'footnote'
          props.role = 'doc-footnote'
        } else if (element.tagName === 'section' && classes.includes('footnotes')) {
          props['epub:type'] = 'footnotes'
        } else if (element.tagName === 'a' && classes.includes('backlink')) {
          props.role = 'doc-backlink'
          props.ariaLabel = words.backToText
        }
        visit(element)
      }
    }
    visit(draft.tree)
  }

  /** GitHub's heading slug, numbered across the book as GitHub numbers repeats. */
  function headingSlug(element: Element): string {
    const slug = githubSlug(textOf(element))
    const seen = slugCounts.get(slug) ?? 0
    slugCounts.set(slug, seen + 1)
    return seen > 0 ? `${slug}-${seen}` : slug
  }

  function resolveLinks(draft: Draft): void {
    const visit = (parent: {children: HastContent[]}): void => {
      for (let index = 0; index < parent.children.length; index++) {
        const node = parent.children[index]!
        if (node.type !== 'element') continue
        if (node.tagName === 'a') {
          const line = lineOf(node, draft.section.line)
          const href = node.properties.href === undefined || node.properties.href === null ? undefined : String(node.properties.href)
          const target = href === undefined ? undefined : linkTarget(links, draft.file, draft.ids, href, line)
          if (target === undefined) {
            // Unwrap: keep the text, drop the dead link (anchors with an id stay as targets).
            if (node.properties.id !== undefined) {
              delete node.properties.href
            } else {
              replaceIn(parent, index, node.children)
              index--
              continue
            }
          } else {
            node.properties.href = target
          }
        }
        visit(node)
      }
    }
    visit(draft.tree)
  }
}

function replaceCheckbox(element: Element, checked: boolean): boolean {
  const at = element.children.findIndex((c) => c.type === 'element' && c.tagName === 'input')
  if (at >= 0) {
    element.children[at] = {type: 'element', tagName: 'span', properties: {className: ['task']}, children: [{type: 'text', value: checked ? '☑' : '☐'}]}
    return true
  }
  return element.children.some((c) => c.type === 'element' && c.tagName === 'p' && replaceCheckbox(c, checked))
}
