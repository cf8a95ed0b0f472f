/**
 * Faults during a build: a build interrupted with SIGINT or killed with SIGKILL in the middle
 * of its audio or PDF edition never leaves a truncated file in place of a good earlier one.
 * SIGINT removes the build's temporary files; SIGKILL cannot, so the next build into the same
 * folder removes temporary files whose process is gone (and reports it).
 */
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fixtures, root} from '../support/paths.js'
import {tempDir} from './support.js'

const bin = path.join(root, 'src/bin.js')
const env = {...process.env, SOURCE_DATE_EPOCH: '1700000000'}

/** Every file under `dir` (recursively) with the SHA-256 of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of fs.readdirSync(dir, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    files[path.relative(dir, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  }
  return files
}

/** Start `imprint build`, send `signal` when a progress line matches `when`; resolves with how it ended. */
function interrupt(args: string[], when: RegExp, signal: NodeJS.Signals) {
  return new Promise<{code: number | null; signal: NodeJS.Signals | null; sent: boolean; stderr: string}>((resolve) => {
    const child = spawn(process.execPath, [bin, 'build', ...args], {env, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    let sent = false
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (!sent && when.test(stderr)) {
        sent = true
        child.kill(signal)
      }
    })
    child.on('exit', (code, how) => resolve({code, signal: how, sent, stderr}))
  })
}

describe('interrupted builds', () => {
  it('SIGINT in the audio edition and SIGKILL in the PDF edition leave the earlier outputs byte-identical', async () => {
    const dir = tempDir()
    const manuscript = path.join(dir, 'book.md')
    fs.copyFileSync(path.join(fixtures, 'example/interview.md'), manuscript)
    const out = path.join(dir, 'out')
    const first = spawnSync(process.execPath, [bin, 'build', manuscript, '--out', out, '--cache', path.join(dir, 'cache-1')], {env, encoding: 'utf8', timeout: 120_000})
    expect(first.status, first.stderr).toBe(0)
    const before = snapshot(out)
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['book.epub', 'book.pdf', path.join('book.audio', 'manifest.json')]))

    // A fresh cache, so the audio edition really synthesizes while we interrupt it.
    const sigint = await interrupt([manuscript, '--out', out, '--cache', path.join(dir, 'cache-2')], /audio 1\/4/, 'SIGINT')
    expect(sigint.sent, sigint.stderr).toBe(true)
    expect(sigint.code ?? sigint.signal).toBe(130)
    expect(snapshot(out)).toEqual(before)

    const sigkill = await interrupt([manuscript, '--out', out, '--cache', path.join(dir, 'cache-3')], /pdf 2\/4/, 'SIGKILL')
    expect(sigkill.sent, sigkill.stderr).toBe(true)
    expect(sigkill.signal).toBe('SIGKILL')
    // Whatever temporary file SIGKILL left behind is a dot-file; the outputs are untouched.
    const after = snapshot(out)
    for (const name of Object.keys(after).filter((n) => !(n in before))) expect(path.basename(name)).toMatch(/^\..+\.\d+-[0-9a-f]{8}\.tmp$/)
    for (const [name, hash] of Object.entries(before)) expect(after[name], name).toBe(hash)
  }, 90_000)

  it('the next build removes temporary files of dead processes, keeps those of live ones, and reports it', () => {
    const dir = tempDir()
    const manuscript = path.join(dir, 'book.md')
    fs.writeFileSync(manuscript, '# Book\n\nText.\n')
    const out = path.join(dir, 'out')
    fs.mkdirSync(out)
    // A pid above the kernel's maximum is never alive; our own pid is.
    const stale = '.book.epub.99999999-deadbeef.tmp'
    const live = `.book.pdf.${process.pid}-cafebabe.tmp`
    const unrelated = '.notes.tmp'
    for (const name of [stale, live, unrelated]) fs.writeFileSync(path.join(out, name), 'partial')
    const result = spawnSync(process.execPath, [bin, 'build', manuscript, '--out', out, '--formats', 'epub', '--json'], {env, encoding: 'utf8', timeout: 60_000})
    expect(result.status, result.stderr).toBe(0)
    expect(fs.readdirSync(out).sort()).toEqual([live, unrelated, 'book.epub'].sort())
    const report = JSON.parse(result.stdout)
    expect(report.warnings).toContainEqual(expect.objectContaining({code: 'stale-temporary', message: expect.stringContaining(stale)}))
  }, 60_000)
})
