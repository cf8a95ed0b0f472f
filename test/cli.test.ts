/** The `imprint` command end to end, spawned as a process: exit codes, stdout/stderr contracts. */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fixtures, have, root, sample} from './support/paths.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-cli-'))
const example = path.join(fixtures, 'example/interview.md')

function imprint(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'src/bin.js'), ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: {...process.env, SOURCE_DATE_EPOCH: '1700000000'},
    timeout: 120_000
  })
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** An error is one line on stderr, no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('imprint (general)', () => {
  it('prints help with examples and exits 0', () => {
    const {status, stdout} = imprint('build', '--help')
    expect(status).toBe(0)
    expect(stdout).toMatch(/Examples:/)
    expect(stdout).toMatch(/--formats/)
  })

  it('prints its version', () => {
    const {status, stdout} = imprint('--version')
    expect(status).toBe(0)
    expect(stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version)
  })

  it('exits 2 on an unknown option or command', () => {
    expect(imprint('build', example, '--colour').status).toBe(2)
    expect(imprint('publish').status).toBe(2)
  })
})

describe('imprint inspect', () => {
  it('prints one JSON report with --json, nothing else on stdout', () => {
    const {status, stdout} = imprint('inspect', example, '--json')
    expect(status).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.title).toBe('让每一本书都找到它的读者')
    expect(report.language).toBe('zh-CN')
    expect(report.sections.map((s: {id: string}) => s.id)).toEqual(['s01', 's02', 's03', 's04'])
    expect(report.dedupe.removed.map((r: {line: number; firstLine: number}) => [r.line, r.firstLine])).toEqual([
      [33, 31],
      [53, 18],
      [55, 45]
    ])
    expect(report.outputs).toEqual({})
  })

  it('prints an array for several inputs, in order, and exits 2 when one is bad', () => {
    const bad = path.join(tmp, 'bad.md')
    fs.writeFileSync(bad, Buffer.from([0x23, 0x20, 0xff, 0x0a]))
    const {status, stdout, stderr} = imprint('inspect', bad, example, '--json')
    expect(status).toBe(2)
    const reports = JSON.parse(stdout)
    expect(reports.map((r: {input: string}) => r.input)).toEqual([bad, example])
    expect(reports[0].error).toBe(`${bad}: not valid UTF-8 at byte 2`)
    expect(reports[1].sections).toHaveLength(4)
    expectOneLineError(stderr, /bad\.md: not valid UTF-8 at byte 2$/)
  })

  it.skipIf(!have(sample, 'the press-conference sample'))('shows the sample: 11 sections, title, subtitle, speakers, removed repeats', () => {
    const {status, stdout} = imprint('inspect', sample)
    expect(status).toBe(0)
    expect(stdout).toMatch(/title: +让多边主义的火炬照亮人类未来的道路/)
    expect(stdout).toMatch(/subtitle: +国务委员兼外交部长王毅/)
    expect(stdout).toMatch(/sections: 11/)
    expect(stdout).toMatch(/speakers: 塔斯社记者, 王毅,/)
    expect(stdout).toMatch(/repeated paragraphs removed: 4/)
    expect(stdout).toMatch(/line 101 \(s07\) repeats line 99/)
  })
})

describe('imprint build: bad input and usage', () => {
  it('exits 2 with one line naming a missing file', () => {
    const {status, stderr} = imprint('build', 'missing.md')
    expect(status).toBe(2)
    expectOneLineError(stderr, /missing\.md: cannot read: no such file/)
  })

  it('exits 2 for invalid UTF-8, naming the byte', () => {
    const file = path.join(tmp, 'latin1.md')
    fs.writeFileSync(file, Buffer.from('# Caf\xe9\n', 'latin1'))
    const {status, stderr} = imprint('build', file)
    expect(status).toBe(2)
    expectOneLineError(stderr, /latin1\.md: not valid UTF-8 at byte 5$/)
  })

  it('exits 2 for an empty manuscript', () => {
    const file = path.join(tmp, 'empty.md')
    fs.writeFileSync(file, '\n  \n')
    const {status, stderr} = imprint('build', file)
    expect(status).toBe(2)
    expectOneLineError(stderr, /empty\.md: the manuscript is empty/)
  })

  it('exits 2 for malformed front matter, naming the line', () => {
    const file = path.join(tmp, 'yaml.md')
    fs.writeFileSync(file, '---\ntitle: [oops\n---\n\n# T\n')
    const {status, stderr} = imprint('build', file)
    expect(status).toBe(2)
    expectOneLineError(stderr, /yaml\.md:\d+: malformed YAML/)
  })

  it('exits 2 for an unknown format', () => {
    const {status, stderr} = imprint('build', example, '--formats', 'epub,mobi')
    expect(status).toBe(2)
    expectOneLineError(stderr, /unknown format 'mobi'/)
  })

  it('exits 2 when the output folder is a file', () => {
    const file = path.join(tmp, 'not-a-folder')
    fs.writeFileSync(file, 'x')
    const {status, stderr} = imprint('build', example, '--out', file, '--formats', 'epub')
    expect(status).toBe(2)
    expectOneLineError(stderr, /not-a-folder: output folder is a file/)
  })
})

describe('imprint build: the bundle and its code cache', () => {
  it('builds every edition the same way without and with V8 code cache', () => {
    const cacheFiles = () => {
      const dir = path.join(root, 'node_modules/.cache/imprint')
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => fs.existsSync(path.join(dir, name, 'cli.cjs.v8'))) : []
    }
    const outputs: {epub: Buffer; pdf: Buffer}[] = []
    for (const run of ['first', 'second']) {
      const out = path.join(tmp, `cached-${run}`)
      // --embed-fonts loads the font subsetter with import(), which a cached script cannot do.
      const {status, stdout, stderr} = imprint('build', example, '--out', out, '--formats', 'epub,pdf,audio', '--embed-fonts', '--json')
      expect(status, stderr).toBe(0)
      const report = JSON.parse(stdout)
      expect(Object.values(report.editions).every((edition) => (edition as {ok: boolean}).ok)).toBe(true)
      outputs.push({epub: fs.readFileSync(report.outputs.epub), pdf: fs.readFileSync(report.outputs.pdf)})
    }
    // After a build the cache exists, so the second run at the latest ran from it.
    expect(cacheFiles().length).toBeGreaterThan(0)
    expect(outputs[1]!.epub.equals(outputs[0]!.epub)).toBe(true)
    expect(outputs[1]!.pdf.equals(outputs[0]!.pdf)).toBe(true)
  }, 120_000)
})
