/** What the book itself says around the chapters: labels, the title page, the contents tree. */
import type {BookMeta} from '../../book/types.js'
import {escapeText as text} from './xml.js'

/** Words for the few labels the book itself supplies, by language. */
export function labels(language: string) {
  const lang = language.toLowerCase()
  if (lang.startsWith('zh')) {
    const traditional = /hant|tw|hk|mo/.test(lang)
    return traditional
      ? {contents: '目錄', preface: '前言', cover: '封面', titlePage: '書名頁', start: '正文', authorJoin: '、', backToText: '返回正文'}
      : {contents: '目录', preface: '前言', cover: '封面', titlePage: '书名页', start: '正文', authorJoin: '、', backToText: '返回正文'}
  }
  if (lang.startsWith('ja')) return {contents: '目次', preface: 'はじめに', cover: '表紙', titlePage: '扉', start: '本文', authorJoin: '、', backToText: '本文へ戻る'}
  return {contents: 'Contents', preface: 'Preface', cover: 'Cover', titlePage: 'Title Page', start: 'Start', authorJoin: ', ', backToText: 'Back to text'}
}

export function titlePageBody(meta: BookMeta): string {
  const words = labels(meta.language)
  const lines = [`<h1 class="title">${text(meta.title)}</h1>`]
  if (meta.subtitle) lines.push(`<p class="subtitle">${text(meta.subtitle)}</p>`)
  if (meta.authors.length > 0) lines.push(`<p class="author">${text(meta.authors.join(words.authorJoin))}</p>`)
  if (meta.publisher) lines.push(`<p class="publisher">${text(meta.publisher)}</p>`)
  if (meta.date) lines.push(`<p class="date">${text(meta.date)}</p>`)
  return `<section class="titlepage" epub:type="titlepage">\n${lines.join('\n')}\n</section>`
}

export interface NavEntry {
  label: string
  href: string
  depth: number
}

export interface NavNode extends NavEntry {
  children: NavNode[]
}

/** Nest entries by depth with a stack: linear in the number of entries. */
export function nest(entries: NavEntry[]): NavNode[] {
  const roots: NavNode[] = []
  const stack: NavNode[] = []
  for (const entry of entries) {
    const node: NavNode = {...entry, children: []}
    while (stack.length > 0 && stack.at(-1)!.depth >= node.depth) stack.pop()
    if (stack.length === 0) roots.push(node)
    else stack.at(-1)!.children.push(node)
    stack.push(node)
  }
  return roots
}

/** The text of the contents page (for font subsetting), escaped as the page writes it. */
export function navText(contents: string, entries: NavEntry[], landmarks: {label: string}[]): string {
  return [contents, ...entries.map((e) => e.label), contents, ...landmarks.map((m) => m.label)].map((value) => text(value)).join('\n')
}
