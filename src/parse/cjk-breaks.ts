/**
 * remarkCjkBreaks: turn soft line breaks into what a reader expects.
 *
 * A sentence wrapped across lines in the source must not gain a space: between two CJK
 * characters the break is removed; anywhere else it becomes one space (CSS Text 3's
 * segment-break rule, done once here so every edition agrees). Hard breaks (`break`
 * nodes) and code are left alone.
 */
import type {Parent, Root, RootContent, Text} from 'mdast'
import {toString} from 'mdast-util-to-string'
import {joinsWithoutSpace} from './cjk.js'

export default function remarkCjkBreaks() {
  return (tree: Root) => {
    walk(tree)
  }
}

function walk(parent: Parent): void {
  const children = parent.children as RootContent[]
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!
    if (node.type === 'text') {
      if (node.value.includes('\n')) fixText(node, children[i - 1], children[i + 1])
    } else if ('children' in node) {
      walk(node as Parent)
    }
  }
}

function lastChar(node: RootContent | undefined): string | undefined {
  if (!node || node.type === 'break') return undefined
  const text = toString(node)
  return text ? [...text.slice(-2)].pop() : undefined
}

function firstChar(node: RootContent | undefined): string | undefined {
  if (!node || node.type === 'break') return undefined
  const text = toString(node)
  return text ? String.fromCodePoint(text.codePointAt(0)!) : undefined
}

function fixText(node: Text, previous: RootContent | undefined, next: RootContent | undefined): void {
  const value = node.value
  let result = ''
  let from = 0
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) {
    result += value.slice(from, i)
    from = i + 1
    const before = i > 0 ? [...value.slice(Math.max(0, i - 2), i)].pop() : lastChar(previous)
    const after = i + 1 < value.length ? String.fromCodePoint(value.codePointAt(i + 1)!) : firstChar(next)
    if (!joinsWithoutSpace(before, after)) result += ' '
  }
  node.value = result + value.slice(from)
}
