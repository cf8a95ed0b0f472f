/**
 * mdast → Book: title and subtitle, sections split at the depth of the repeated
 * units, speaker labels, stable ids and slugs. Renderers only ever see the Book.
 */
import type {
  Definition,
  FootnoteDefinition,
  Heading,
  Image,
  Link,
  Nodes,
  Parent,
  PhrasingContent,
  Root,
  RootContent
} from 'mdast'
import {toString} from 'mdast-util-to-string'
import {LANGUAGE_SAMPLE} from './language.js'
import {createSlugger} from './slug.js'
import {takeSpeaker} from './speakers.js'
import type {Book, BookMeta, Section} from './types.js'

export type {Book, BookMeta, Section, SpeakerLabel} from './types.js'

export interface ToBookOptions {
  /** Heading depth that opens a section, or `auto`. */
  splitDepth: number | 'auto'
  /** Metadata resolved from front matter/config; title, subtitle and language fall back to the text. */
  meta: (found: {title?: string; subtitle?: string; text: () => string}) => BookMeta
  source: string
  baseDir: string
}

/** Word used for the untitled content before the first section, by primary language. */
const PREFACE: Record<string, string> = {zh: '前言', ja: 'はじめに', ko: '머리말', en: 'Preface', fr: 'Préface', de: 'Vorwort'}

export function toBook(tree: Root, options: ToBookOptions): Book {
  const footnotes = new Map<string, FootnoteDefinition>()
  const definitions = new Map<string, Definition>()
  collectDefinitions(tree, footnotes, definitions)
  resolveReferences(tree, definitions)

  let body = tree.children.filter((node) => node.type !== 'yaml')

  // Title: a `#` heading that opens the document; subtitle: a `##` right under it.
  let title: string | undefined
  let subtitle: string | undefined
  const opening = body[0]
  if (opening?.type === 'heading' && opening.depth === 1) {
    title = plain(opening)
    body = body.slice(1)
    // A `##` right under the title is its subtitle only when it is the document's one
    // `##` and a heading (not body text) follows it; otherwise it opens a chapter.
    const next = body[0]
    const onlyH2 = body.filter((node) => node.type === 'heading' && node.depth === 2).length === 1
    const headsDocument = body[1] === undefined || body[1].type === 'heading'
    if (next?.type === 'heading' && next.depth === 2 && onlyH2 && headsDocument) {
      subtitle = plain(next)
      body = body.slice(1)
    }
  } else {
    const firstH1 = body.find((node): node is Heading => node.type === 'heading' && node.depth === 1)
    if (firstH1) title = plain(firstH1)
  }

  // Language detection reads a sample from the start, so only that much text is collected.
  const text = () => {
    let collected = ''
    for (const node of body) {
      if (collected.length >= LANGUAGE_SAMPLE) break
      collected += toString(node)
    }
    return collected
  }
  const meta = options.meta({title, subtitle, text})
  const depth = options.splitDepth === 'auto' ? autoSplitDepth(body) : options.splitDepth
  const sections = split(body, depth, meta.language)
  const speakers: string[] = []
  const seen = new Set<string>()
  for (const section of sections) {
    for (const name of section.speakers) {
      if (!seen.has(name)) {
        seen.add(name)
        speakers.push(name)
      }
    }
  }
  return {meta, sections, footnotes, source: options.source, baseDir: options.baseDir, speakers}
}

/** The shallowest heading depth that occurs at least twice; else the shallowest present. */
export function autoSplitDepth(nodes: RootContent[]): number {
  const counts = [0, 0, 0, 0, 0, 0, 0]
  for (const node of nodes) if (node.type === 'heading') counts[node.depth]!++
  for (let d = 1; d <= 6; d++) if (counts[d]! >= 2) return d
  for (let d = 1; d <= 6; d++) if (counts[d]! >= 1) return d
  return 1
}

function split(nodes: RootContent[], depth: number, language: string): Section[] {
  type Draft = Omit<Section, 'id' | 'index' | 'slug' | 'speakers'>
  const drafts: Draft[] = []
  let current: Draft | undefined
  const preface: RootContent[] = []
  for (const node of nodes) {
    if (node.type === 'heading' && node.depth <= depth) {
      current = {
        title: plain(node),
        titleNodes: node.children,
        depth: node.depth,
        line: node.position?.start.line ?? 0,
        nodes: []
      }
      drafts.push(current)
    } else if (current) current.nodes.push(node)
    else preface.push(node)
  }
  // Content before the first section heading is a section only if it has body text.
  if (preface.some(hasBodyText)) {
    const label = PREFACE[language.split('-')[0]!.toLowerCase()] ?? PREFACE.en!
    drafts.unshift({
      title: label,
      titleNodes: [{type: 'text', value: label}],
      depth: 0,
      line: preface[0]?.position?.start.line ?? 1,
      nodes: preface
    })
  }
  const width = Math.max(2, String(drafts.length).length)
  const slug = createSlugger()
  return drafts.map((draft, i) => ({
    ...draft,
    id: `s${String(i + 1).padStart(width, '0')}`,
    index: i + 1,
    slug: slug(draft.title),
    speakers: markSpeakers(draft.nodes)
  }))
}

function markSpeakers(nodes: RootContent[]): string[] {
  const names: string[] = []
  for (const node of nodes) {
    if (node.type !== 'paragraph') continue
    const speaker = takeSpeaker(node)
    if (speaker && !names.includes(speaker.name)) names.push(speaker.name)
  }
  return names
}

function hasBodyText(node: RootContent): boolean {
  if (node.type === 'html' || node.type === 'definition' || node.type === 'heading') return false
  if (node.type === 'image' || node.type === 'table' || node.type === 'code' || node.type === 'thematicBreak') return true
  return toString(node).trim() !== ''
}

function plain(node: Heading): string {
  return toString(node).replace(/\s+/gu, ' ').trim()
}

function collectDefinitions(
  parent: Parent,
  footnotes: Map<string, FootnoteDefinition>,
  definitions: Map<string, Definition>
): void {
  const kept: RootContent[] = []
  for (const child of parent.children as RootContent[]) {
    if (child.type === 'footnoteDefinition') {
      if (!footnotes.has(child.identifier)) footnotes.set(child.identifier, child)
      continue
    }
    if (child.type === 'definition') {
      if (!definitions.has(child.identifier)) definitions.set(child.identifier, child)
      continue
    }
    if ('children' in child && child.type !== 'paragraph' && child.type !== 'heading') {
      collectDefinitions(child as Parent, footnotes, definitions)
    }
    kept.push(child)
  }
  parent.children = kept as typeof parent.children
}

/** Turn `[text][ref]` and `![alt][ref]` into plain links and images, so renderers see one shape. */
function resolveReferences(node: Nodes, definitions: Map<string, Definition>): void {
  if (!('children' in node)) return
  const children = node.children as PhrasingContent[]
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!
    if (child.type === 'linkReference' || child.type === 'imageReference') {
      const definition = definitions.get(child.identifier)
      if (child.type === 'linkReference') {
        const link: Link | undefined = definition && {
          type: 'link',
          url: definition.url,
          title: definition.title,
          children: child.children,
          position: child.position
        }
        // An unresolved reference reads as its text.
        children.splice(i, 1, ...(link ? [link] : child.children))
      } else {
        const image: Image | undefined = definition && {
          type: 'image',
          url: definition.url,
          title: definition.title,
          alt: child.alt,
          position: child.position
        }
        children[i] = image ?? {type: 'text', value: child.alt ?? ''}
      }
    }
    resolveReferences(children[i]!, definitions)
  }
}
