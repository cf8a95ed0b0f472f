import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {defaults, loadConfigFile, mergeOptions, validateOptions} from '../src/config.js'
import {loadManuscript} from '../src/load.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-config-'))
function write(name: string, text: string): string {
  const file = path.join(tmp, name)
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, text)
  return file
}

describe('merge order: defaults < config file < front matter < CLI', () => {
  const dir = 'precedence'
  write(`${dir}/imprint.config.yaml`, 'pdf:\n  pageSize: A4\n  sectionBreak: space\naudio:\n  voice: from-config\n  concurrency: 3\n')
  const manuscript = write(`${dir}/book.md`, '---\npdf:\n  pageSize: B5\naudio:\n  voice: from-front-matter\n---\n\n# T\n\ntext\n')

  it('applies each layer over the one before, key by key', () => {
    const {options} = loadManuscript(manuscript, {options: {audio: {voice: 'from-cli'}}})
    expect(options.pdf.pageSize).toBe('B5') // front matter over config
    expect(options.pdf.sectionBreak).toBe('space') // config over defaults
    expect(options.audio.voice).toBe('from-cli') // CLI over front matter
    expect(options.audio.concurrency).toBe(3)
    expect(options.audio.engine).toBe(defaults.audio.engine)
  })

  it('uses an explicit --config instead of the one beside the manuscript', () => {
    const other = write('other.json', JSON.stringify({pdf: {sectionBreak: 'page', pageSize: 'Letter'}}))
    const plain = write(`${dir}/plain.md`, '# T\n\ntext\n')
    const {options} = loadManuscript(plain, {config: other})
    expect(options.pdf).toMatchObject({pageSize: 'Letter', sectionBreak: 'page'})
  })

  it('does not let one layer change another (no shared objects)', () => {
    const merged = mergeOptions(defaults, {audio: {voices: {甲: 'x'}}})
    expect(defaults.audio.voices).toEqual({})
    expect(merged.audio.voices).toEqual({甲: 'x'})
  })
})

describe('validation', () => {
  it('names the key and the line for a wrong type in front matter', () => {
    const file = write('wrong-type.md', '---\nsubtitle: ok\ntitle: 42\n---\n\n# T\n')
    expect(() => loadManuscript(file)).toThrow(`${file}:3: front matter 'title' must be a string`)
  })

  it('rejects a list where a language tag belongs', () => {
    const file = write('lang-list.md', '---\nlang: [zh, en]\n---\n\n# T\n')
    expect(() => loadManuscript(file)).toThrow(`${file}:2: front matter 'lang' must be a language tag`)
  })

  it('names the line of malformed YAML', () => {
    const file = write('malformed.md', '---\ntitle: ok\nauthor: [unclosed\n---\n\n# T\n')
    expect(() => loadManuscript(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: malformed YAML`))
  })

  it('warns about unknown keys with their line, and keeps going', () => {
    const file = write('unknown.md', '---\ntitle: ok\ncolour: blue\n---\n\n# T\n\ntext\n')
    const {warnings} = loadManuscript(file)
    expect(warnings).toEqual([expect.objectContaining({code: 'unknown-key', line: 3})])
  })

  it('checks nested option values', () => {
    const {errors} = validateOptions({pdf: {pageSize: 'A3'}, audio: {concurrency: 0}, formats: ['epub', 'mobi']})
    expect(errors.map((e) => e.key)).toEqual(['pdf.pageSize', 'audio.concurrency', 'formats'])
  })

  it('names the config file and line for a bad value', () => {
    const file = write('bad.yaml', 'dedupe:\n  minLength: -1\n')
    expect(() => loadConfigFile(file)).toThrow(`${file}:2: 'dedupe.minLength' must be`)
  })
})
