import type {PhrasingContent, RootContent} from 'mdast'

/** A speaker turn: a paragraph whose first child was a bold label ending in a colon. */
export interface SpeakerLabel {
  /** The name without the colon, e.g. `王毅` or `Reporter`. */
  name: string
  /** The label as written (without the `**`), e.g. `王毅：`. */
  label: string
}

declare module 'mdast' {
  interface ParagraphData {
    /** Set by `toBook` on speaker turns; the label is removed from `children`. */
    speaker?: SpeakerLabel
  }
}

/** Book-level metadata, after front matter, config and fallbacks are resolved. */
export interface BookMeta {
  title: string
  subtitle?: string
  authors: string[]
  /** BCP 47 tag, e.g. `zh-CN`, `ja`, `en`. */
  language: string
  /** As given in front matter (ISO 8601 recommended). */
  date?: string
  /** Stable identifier: from front matter, else derived from the content. */
  identifier: string
  publisher?: string
  description?: string
  /** Absolute path of a cover image inside the manuscript's folder, if one was given. */
  cover?: string
  /** Timestamp for every "modified" date in outputs: SOURCE_DATE_EPOCH, else the file's mtime. */
  modified: Date
}

export interface Section {
  /** Stable id, `s01`, `s02`… in document order (zero-padded to the section count's width). */
  id: string
  /** 1-based position. */
  index: number
  /** URL/file-name safe slug from the title (Unicode letters kept), unique in the book. */
  slug: string
  /** Plain-text title ('' for an untitled preface). */
  title: string
  /** The heading's inline content, for renderers that keep emphasis/code in titles. */
  titleNodes: PhrasingContent[]
  /** Depth of the heading that opened it (0 for the preface). */
  depth: number
  /** 1-based source line of the heading (of the first body node for the preface). */
  line: number
  /** Body content in order, without the section heading. Sub-headings stay inside. */
  nodes: RootContent[]
  /** Speaker names in order of first appearance in this section. */
  speakers: string[]
}

/** Footnote definitions are collected book-wide; renderers resolve `footnoteReference.identifier`. */
export interface Book {
  meta: BookMeta
  sections: Section[]
  /** Footnote definitions by normalised identifier. */
  footnotes: Map<string, import('mdast').FootnoteDefinition>
  /** Absolute path of the manuscript ('' when built from a string). */
  source: string
  /** Folder local resources (images) may be read from: the manuscript's folder. */
  baseDir: string
  /** Speaker names in order of first appearance in the whole book. */
  speakers: string[]
}
