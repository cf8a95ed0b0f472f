/**
 * The shared corpus (../shared/corpus/docs): the EPUB and PDF corpus tests exist under
 * test/render; this adds the speech script. Every book's script must be free of raw
 * Markdown syntax and control characters, and speak something for every section with text.
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadManuscript, loadText} from '../../src/load.js'
import {bookScript} from '../../src/render/audio/index.js'
import {corpusDir, corpusFiles, have} from '../support/paths.js'
import {scriptProblems} from './support.js'

describe.skipIf(!have(corpusDir, 'the shared corpus'))('the shared corpus as speech', () => {
  it('gives every book a speech script without raw Markdown syntax', () => {
    const files = corpusFiles()
    expect(files.length).toBeGreaterThanOrEqual(9)
    for (const file of files) {
      const {book} = loadManuscript(file)
      expect(scriptProblems(book), path.basename(file)).toEqual([])
      const script = bookScript(book)
      const spoken = script.reduce((n, s) => n + s.blocks.length, 0)
      expect(spoken, path.basename(file)).toBeGreaterThan(book.sections.length)
      for (const {section, blocks} of script) expect(blocks.length, `${path.basename(file)} ${section.id}`).toBeGreaterThan(0)
    }
  }, 60_000)
})

describe('the speech-script check itself', () => {
  it('flags markup that reaches the speech', () => {
    const {book} = loadText('# Book\n\n## Clean\n\nPlain words, and an escaped \\*\\*star pair.\n', 'check.md')
    expect(scriptProblems(book)).toEqual([])
    // Speech made from nodes that still hold markup, while the written title is clean.
    book.sections[0]!.titleNodes = [{type: 'text', value: '**Clean** [x](y) <b>'}]
    expect(scriptProblems(book).join('\n')).toMatch(/strong\/emphasis[\s\S]*link\/image[\s\S]*HTML tags/)
  })
})
