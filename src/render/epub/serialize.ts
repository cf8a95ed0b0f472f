/**
 * A small hast → XHTML serializer. hast-util-to-html targets HTML syntax (boolean attributes,
 * optional end tags); EPUB needs XML, so this writes every element closed, every attribute
 * quoted with a value, and drops anything that is not an element or text.
 */
import type {Element, Nodes, Properties} from 'hast'
import {find, html} from 'property-information'
import {escapeAttribute, escapeText, type ForbiddenTally} from './xml.js'

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'])

/** Elements whose content model is phrasing only (transparent ones like `a` excluded). */
const PHRASING_ONLY = new Set([
  'p', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'span', 'em', 'strong', 'code', 'b', 'i', 's', 'u', 'sub', 'sup',
  'small', 'mark', 'q', 'cite', 'abbr', 'dfn', 'kbd', 'samp', 'var', 'time', 'bdi', 'bdo', 'label', 'summary', 'legend', 'caption'
])
/** Elements that are flow content only: never valid inside a phrasing-only parent. */
const FLOW_ONLY = new Set([
  'address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'dt', 'dd', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'header', 'hr', 'main', 'menu', 'nav', 'ol', 'ul', 'li', 'p', 'pre', 'section', 'table', 'caption',
  'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'colgroup', 'col', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'
])

function attributeValue(name: string, value: unknown): string | undefined {
  if (value === null || value === undefined || value === false) return undefined
  if (value === true) return name
  if (Array.isArray(value)) {
    const info = find(html, name)
    return value.join(info.commaSeparated ? ', ' : ' ')
  }
  return String(value)
}

export function serializeAttributes(properties: Properties, tally?: ForbiddenTally): string {
  let out = ''
  for (const [key, value] of Object.entries(properties)) {
    const name = key.includes(':') ? key : find(html, key).attribute
    const text = attributeValue(name, value)
    if (text === undefined) continue
    if (name === 'class' && text === '') continue
    out += ` ${name}="${escapeAttribute(text, tally)}"`
  }
  return out
}

export function toXhtml(node: Nodes, tally?: ForbiddenTally): string {
  const parts: string[] = []
  // Raw HTML mixed with Markdown can put blocks where only phrasing is allowed (a `<p>`
  // inside `<pre>`, which HTML parsers accept and XHTML validators do not): such blocks
  // are unwrapped, keeping their content.
  let phrasingDepth = 0
  const walk = (current: Nodes): void => {
    switch (current.type) {
      case 'root':
        for (const child of current.children) walk(child)
        return
      case 'text':
        parts.push(escapeText(current.value, tally))
        return
      case 'element':
        writeElement(current)
        return
      default:
        // comments, doctypes and raw nodes never reach the EPUB
        return
    }
  }
  const writeElement = (element: Element): void => {
    if (phrasingDepth > 0 && FLOW_ONLY.has(element.tagName)) {
      for (const child of element.children) walk(child)
      return
    }
    const open = `<${element.tagName}${serializeAttributes(element.properties, tally)}`
    if (VOID.has(element.tagName)) {
      parts.push(`${open}/>`)
      return
    }
    parts.push(`${open}>`)
    const phrasing = PHRASING_ONLY.has(element.tagName)
    if (phrasing) phrasingDepth++
    for (const child of element.children) walk(child)
    if (phrasing) phrasingDepth--
    parts.push(`</${element.tagName}>`)
  }
  walk(node)
  return parts.join('')
}
