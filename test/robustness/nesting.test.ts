/** The pre-parse guard on its own: what counts as nesting, what does not, and that it is linear. */
import {describe, expect, it} from 'vitest'
import {findDeepNesting, findDeepNode, MAX_DELIMITER_RUN, MAX_NESTING} from '../../src/parse/nesting.js'
import {parseMarkdown} from '../../src/parse/index.js'

describe('findDeepNesting', () => {
  it('counts block quote markers, list markers and list indentation', () => {
    expect(findDeepNesting('>'.repeat(MAX_NESTING) + ' ok\n')).toBeUndefined()
    expect(findDeepNesting('text\n' + '> '.repeat(MAX_NESTING + 1) + 'deep\n')).toMatchObject({line: 2, kind: 'nesting'})
    expect(findDeepNesting('1. '.repeat(MAX_NESTING + 1) + 'x\n')).toMatchObject({line: 1})
    const tabs = Array.from({length: 200}, (_, i) => '\t'.repeat(i) + '- x').join('\n')
    expect(findDeepNesting(tabs)?.kind).toBe('nesting')
  })
  it('ignores fenced code, thematic breaks and long rule lines', () => {
    expect(findDeepNesting('```\n' + '>'.repeat(1000) + '\n```\n')).toBeUndefined()
    expect(findDeepNesting('~~~~\n' + '- '.repeat(1000) + '\n~~~~\n')).toBeUndefined()
    expect(findDeepNesting('- '.repeat(200) + '\n')).toBeUndefined()
    expect(findDeepNesting('*'.repeat(1000) + '\n\n' + '_ '.repeat(500) + '\n')).toBeUndefined()
  })
  it('refuses long emphasis delimiter runs inside text', () => {
    expect(findDeepNesting(`a ${'*'.repeat(MAX_DELIMITER_RUN + 1)}b\n`)).toMatchObject({line: 1, kind: 'delimiters', depth: MAX_DELIMITER_RUN + 1})
    expect(findDeepNesting(`a ${'_'.repeat(MAX_DELIMITER_RUN)}b\n`)).toBeUndefined()
  })
  it('is linear: 10 MB of ordinary lines in well under a second', () => {
    const text = '> - quoted list item with some words\n'.repeat(270_000)
    const started = performance.now()
    expect(findDeepNesting(text)).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(1500)
  })
})

describe('findDeepNode', () => {
  it('finds the first node deeper than the limit without recursion', () => {
    const tree = parseMarkdown(`${'*a '.repeat(30)}x${' b*'.repeat(30)}\n`)
    expect(findDeepNode(tree, 100)).toBeUndefined()
    expect(findDeepNode(tree, 20)).toMatchObject({line: 1})
    // A hand-made chain far deeper than any call stack allows.
    let node: {children?: unknown[]} = {}
    const root = node
    for (let i = 0; i < 200_000; i++) node = (node.children = [{}])[0] as typeof node
    expect(findDeepNode(root as never)?.depth).toBe(501)
  })
})
