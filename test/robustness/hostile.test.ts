/**
 * Hostile and broken manuscripts through the real CLI (`main()` in-process, as `imprint build`
 * runs it): each input has a defined outcome, either editions that pass EPUBCheck and
 * `qpdf --check` with what was dropped reported, or exit 2 with one clear line.
 * All EPUBs made here are checked at the end in one EPUBCheck batch.
 */
import fs from 'node:fs'
import path from 'node:path'
import {strFromU8, unzipSync} from 'fflate'
import {afterAll, describe, expect, it} from 'vitest'
import {main} from '../../src/cli.js'
import {loadManuscript, loadText} from '../../src/load.js'
import {MAX_NESTING} from '../../src/parse/nesting.js'
import {fixtures} from '../support/paths.js'
import {epubcheckAll, requireEpubcheck} from '../render/epub/support.js'
import {qpdfCheck, scriptProblems, tempDir} from './support.js'

process.env.SOURCE_DATE_EPOCH ??= '1700000000'
const dir = tempDir()
const epubs: string[] = []

/** Run `imprint build` in-process; returns the status, stdout, stderr and the parsed JSON report. */
async function imprint(...args: string[]) {
  let stdout = ''
  let stderr = ''
  const status = await main(['node', 'imprint', ...args], {stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false})
  let report: any
  try {
    report = JSON.parse(stdout)
  } catch {
    report = undefined
  }
  return {status, stdout, stderr, report}
}

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content)
  return file
}

/** Build a manuscript to EPUB and PDF; expects success and queues the EPUB for EPUBCheck. */
async function buildsClean(file: string, formats = 'epub,pdf') {
  const out = path.join(dir, 'out-' + path.basename(file, '.md'))
  const result = await imprint('build', file, '--out', out, '--formats', formats, '--json', '-q')
  expect(result.status, result.stderr).toBe(0)
  const {outputs} = result.report
  if (outputs.epub) epubs.push(outputs.epub)
  if (outputs.pdf) expect(qpdfCheck(outputs.pdf)).toContain('No syntax or stream encoding errors')
  return result.report
}

/** Exit 2 with exactly one line on stderr matching `pattern`, and nothing written. */
async function refused(file: string, pattern: RegExp, formats = 'epub,pdf') {
  const out = path.join(dir, 'refused-' + path.basename(file, '.md'))
  const started = performance.now()
  const {status, stderr} = await imprint('build', file, '--out', out, '--formats', formats, '-q')
  const ms = performance.now() - started
  expect(status).toBe(2)
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([])
  return ms
}

function epubText(file: string): string {
  const entries = unzipSync(new Uint8Array(fs.readFileSync(file)))
  return Object.entries(entries)
    .filter(([name]) => name.endsWith('.xhtml'))
    .map(([, data]) => strFromU8(data))
    .join('\n')
}

describe('encoding', () => {
  it('invalid UTF-8 → exit 2 with the byte offset', async () => {
    await refused(write('invalid.md', Buffer.from([0x23, 0x20, 0x41, 0x0a, 0x62, 0xc3, 0x28])), /invalid\.md: not valid UTF-8 at byte 5$/)
  })
  it('UTF-16 with a BOM → exit 2 saying so', async () => {
    await refused(write('utf16.md', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Title\n', 'utf16le')])), /not valid UTF-8 at byte 0 \(looks like UTF-16/)
  })
  it('a NUL byte → exit 2 with its offset', async () => {
    await refused(write('nul.md', Buffer.from('# T\n\nab\u0000c\n')), /not valid UTF-8 at byte 7 \(NUL byte/)
  })
  it('control, bidi-override and zero-width characters → clean editions, controls removed and reported by line', async () => {
    const file = write('controls.md', '# Controls\n\nBell\u0007 vt\u000b del\u007f c1\u0085 nonchar\ufffe.\n\nBidi \u202eevil\u202c and isolate \u2066x\u2069.\n\nZero\u200bwidth jo\u200dined stays.\n')
    const report = await buildsClean(file, 'epub,pdf,audio')
    const control = report.warnings.filter((w: {code: string}) => w.code === 'control-character')
    expect(control.map((w: {line: number}) => w.line)).toEqual([3, 5])
    expect(control[0].message).toContain('U+0007')
    expect(control[1].message).toContain('U+202E')
    const text = epubText(report.outputs.epub)
    expect(text).not.toMatch(/[\u0007\u000b\u007f\u0085\ufffe\u202e\u202c\u2066\u2069]/)
    expect(text).toContain('Zero\u200bwidth jo\u200dined')
    expect(report.editions.audio.ok).toBe(true)
    expect(scriptProblems(loadManuscript(file).book)).toEqual([])
  }, 60_000)
})

describe('size and shape', () => {
  const nestedLists = (n: number) => Array.from({length: n}, (_, i) => `${' '.repeat(2 * i)}- item ${i}`).join('\n') + '\n'
  const nestedQuotes = (n: number) => `# Quotes\n\n${'>'.repeat(n)} deep\n`

  it(`2,000-deep block quotes and lists, 20,000-star runs and 600-deep emphasis → exit 2 naming the line, in well under a second or two`, async () => {
    expect(await refused(write('quotes-2000.md', nestedQuotes(2000)), /quotes-2000\.md:3: block quotes and lists nested more than 64 levels deep/)).toBeLessThan(2000)
    expect(await refused(write('lists-2000.md', nestedLists(2000)), new RegExp(`lists-2000\\.md:${MAX_NESTING + 1}: block quotes and lists nested more than`))).toBeLessThan(2000)
    expect(await refused(write('lists-mixed.md', '- > '.repeat(1000) + 'x\n'), /lists-mixed\.md:1: block quotes and lists nested/)).toBeLessThan(2000)
    // Long delimiter runs are quadratic in micromark (20,000 stars: 76 s, then a stack overflow).
    expect(await refused(write('stars.md', `${'*'.repeat(20000)}x${'*'.repeat(20000)}\n`), /stars\.md:1: a run of 20000 '\*' or '_' characters; imprint accepts at most 200/)).toBeLessThan(2000)
    // 600 nested emphasis levels pass the line guard and are refused after parsing.
    expect(await refused(write('emphasis-600.md', `${'*a '.repeat(600)}x${' b*'.repeat(600)}\n`), /emphasis-600\.md:1: markup nested more than 500 levels deep/)).toBeLessThan(5000)
  }, 60_000)

  it(`nesting right at the limit (${MAX_NESTING} levels) builds every edition and a clean script`, async () => {
    const lists = write('lists-limit.md', `# Lists\n\n${nestedLists(MAX_NESTING - 1)}`)
    const quotes = write('quotes-limit.md', nestedQuotes(MAX_NESTING))
    const stars = write('stars-200.md', `# Stars\n\n${'*'.repeat(200)}x${'*'.repeat(200)}\n\n${'*'.repeat(300)}\n`)
    for (const file of [lists, quotes, stars]) {
      await buildsClean(file)
      expect(scriptProblems(loadManuscript(file).book), file).toEqual([])
    }
    // A row of `>` in a fenced code block is code, not nesting.
    await buildsClean(write('fence.md', `# Code\n\n\`\`\`\n${'>'.repeat(500)}\n${' '.repeat(300)}- x\n\`\`\`\n`), 'epub')
  }, 60_000)

  it('a 3 MB paragraph of CJK text without spaces → every edition, script without markup', async () => {
    const unit = '没有空格的中文段落用来测试排版与断行'
    const file = write('cjk-3mb.md', `# 长段落\n\n${unit.repeat(Math.ceil(1_000_000 / unit.length))}\n`)
    expect(fs.statSync(file).size).toBeGreaterThan(3_000_000)
    const report = await buildsClean(file)
    expect(report.language).toBe('zh-CN')
    const {book} = loadManuscript(file)
    expect(scriptProblems(book)).toEqual([])
  }, 60_000)

  it('3,000 sections → every edition; loading grows about linearly', async () => {
    const sections = (n: number) => Array.from({length: n}, (_, i) => `## Section ${i + 1}\n\nText of section ${i + 1}.\n`).join('\n')
    const report = await buildsClean(write('sections-3000.md', `# Many\n\n${sections(3000)}`))
    expect(report.sections).toHaveLength(3000)
    // Best of two runs each, so a busy machine does not fail it; a quadratic step gives ≥ 4.
    const time = (text: string) => Math.min(...[0, 1].map(() => {
      const started = performance.now()
      loadText(text, path.join(dir, 'timing.md'))
      return performance.now() - started
    }))
    const small = time(sections(1500))
    const large = time(sections(3000))
    expect(large / small, `${Math.round(small)} ms → ${Math.round(large)} ms`).toBeLessThan(3.2)
  }, 60_000)

  it('a 500-character heading, no headings at all, only headings → valid editions', async () => {
    const long = 'Heading words '.repeat(36).slice(0, 500)
    const a = await buildsClean(write('long-heading.md', `# ${long}\n\n## ${long}\n\nBody.\n\n## ${long}\n\nMore.\n`))
    expect(a.title).toBe(long.trim())
    const b = await buildsClean(write('no-headings.md', 'Just a paragraph.\n\nAnother paragraph with *emphasis*.\n'))
    expect(b.sections).toHaveLength(1)
    const c = await buildsClean(write('only-headings.md', Array.from({length: 20}, (_, i) => `## Heading ${i + 1}\n`).join('\n')))
    expect(c.sections).toHaveLength(20)
  }, 60_000)
})

describe('raw HTML', () => {
  it('scripts, handlers, frames, unclosed tags and entities → sanitised, well-formed XHTML', async () => {
    const report = await buildsClean(path.join(fixtures, 'hostile/raw-html.md'))
    const text = epubText(report.outputs.epub)
    expect(text).not.toMatch(/<script|<iframe|<object|<embed|<form|<style|<meta http-equiv|<link rel="stylesheet" href="http/i)
    expect(text).not.toMatch(/\son[a-z]+=/i)
    expect(text).not.toMatch(/javascript:/i)
    expect(text).not.toMatch(/127\.0\.0\.1/)
    expect(text).toContain('A div with handlers.')
    expect(text).toContain('unclosed paragraph')
    expect(text).toContain('&lt;')
    expect(scriptProblems(loadManuscript(path.join(fixtures, 'hostile/raw-html.md')).book)).toEqual([])
  }, 60_000)
})

describe('front matter', () => {
  it('malformed YAML, wrong types → exit 2 with the key and line; unknown keys → a warning with the line', async () => {
    await refused(write('fm-yaml.md', '---\ntitle: [unclosed\n---\n\n# T\n\nx\n'), /fm-yaml\.md:\d+: /)
    await refused(write('fm-title.md', '---\nlang: en\ntitle: 42\n---\n\n# T\n\nx\n'), /fm-title\.md:3: .*title/)
    await refused(write('fm-lang.md', '---\nlang:\n  - en\n  - fr\n---\n\n# T\n\nx\n'), /fm-lang\.md:2: .*lang/)
    const report = await buildsClean(write('fm-unknown.md', '---\ntitle: Fine\ncolour: blue\n---\n\n# T\n\nx\n'), 'epub')
    expect(report.warnings).toContainEqual(expect.objectContaining({code: 'unknown-key', line: 3}))
    expect(report.title).toBe('Fine')
  }, 30_000)
})

describe('config and command line', () => {
  const ok = () => write('ok.md', '# OK\n\nText.\n')
  it('an unknown format → exit 2, one line naming it', async () => {
    const {status, stderr} = await imprint('build', ok(), '--formats', 'epub,docx', '--out', path.join(dir, 'fmt'))
    expect(status).toBe(2)
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/unknown format 'docx'/)])
    expect(fs.existsSync(path.join(dir, 'fmt'))).toBe(false)
  })
  it('an output folder that is a file → exit 2, one line', async () => {
    const file = write('not-a-folder', 'x')
    const {status, stderr} = await imprint('build', ok(), '--out', file, '-q')
    expect(status).toBe(2)
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/not-a-folder: output folder is a file/)])
    expect(fs.readFileSync(file, 'utf8')).toBe('x')
  })
  it('an output folder that cannot be created or written → exit 2, one line', async () => {
    // Tests run as root, so permission bits do not stop us: /proc refuses new folders to everyone.
    const {status, stderr} = await imprint('build', ok(), '--out', '/proc/imprint-out', '-q')
    expect(status).toBe(2)
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/\/proc\/imprint-out: cannot write to the output folder \(E[A-Z]+\)/)])
  })
  it('a missing input → exit 2, one line', async () => {
    const {status, stderr} = await imprint('build', path.join(dir, 'missing.md'), '-q')
    expect(status).toBe(2)
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/missing\.md: cannot read: no such file$/)])
  })
})

afterAll(async () => {
  // One EPUBCheck batch for every EPUB built above: 0 errors each.
  requireEpubcheck()
  if (epubs.length === 0) return // a filtered run (-t) built none
  const results = await epubcheckAll(epubs)
  const failing = [...results].filter(([, r]) => r.errors !== 0 || r.fatals !== 0)
  expect(failing.map(([file, r]) => `${path.basename(file)}: ${r.errors} errors\n${r.output}`)).toEqual([])
  expect(results.size).toBe(epubs.length)
}, 120_000)
