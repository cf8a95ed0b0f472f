/**
 * A small hast → XHTML serializer. hast-util-to-html targets HTML syntax (boolean attributes,
 * optional end tags); EPUB needs XML, so this writes every element closed, every attribute
 * quoted with a value, and drops anything that is not an element or text.
 */
import type {Element, Nodes, Properties} from 'hast'
import {find, html} from 'property-information'
import {escapeAttribute, escapeText, type ForbiddenTally} from './xml.js'

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'])

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
    const open = `<${element.tagName}${serializeAttributes(element.properties, tally)}`
    if (VOID.has(element.tagName)) {
      parts.push(`${open}/>`)
      return
    }
    parts.push(`${open}>`)
    for (const child of element.children) walk(child)
    parts.push(`</${element.tagName}>`)
  }
  walk(node)
  return parts.join('')
}
