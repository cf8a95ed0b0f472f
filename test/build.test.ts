/** build() as a library call: several manuscripts, failing editions, atomic outputs. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {build, exitCode} from '../src/build.js'
import {fixtures} from './support/paths.js'

const example = path.join(fixtures, 'example/interview.md')
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-build-'))

describe('build()', () => {
  it('builds each manuscript into its own outputs and reports a bad one without stopping', async () => {
    const out = fresh()
    const bad = path.join(out, 'bad.md')
    fs.writeFileSync(bad, '')
    const reports = await build([bad, example], {options: {out, formats: ['epub']}})
    expect(reports.map((r) => r.input)).toEqual([bad, example])
    expect(reports[0]!.error).toMatch(/empty/)
    expect(reports[1]!.ok).toBe(true)
    expect(reports[1]!.outputs.epub).toBe(path.join(out, 'interview.epub'))
    expect(fs.statSync(reports[1]!.outputs.epub!).size).toBeGreaterThan(1000)
    expect(exitCode(reports)).toBe(2)
  })

  it('keeps building other editions when one fails, and exits 1', async () => {
    const out = fresh()
    // A folder where the EPUB should go: the EPUB edition cannot be written.
    fs.mkdirSync(path.join(out, 'interview.epub'))
    const [report] = await build([example], {options: {out, formats: ['epub', 'pdf']}})
    expect(report!.editions.epub).toMatchObject({ok: false})
    expect(report!.editions.epub!.error).toBeTruthy()
    expect(report!.editions.pdf).toMatchObject({ok: true})
    expect(fs.existsSync(path.join(out, 'interview.pdf'))).toBe(true)
    expect(exitCode([report!])).toBe(1)
  })

  it('leaves an earlier good output in place, and no temporary files, when an edition fails', async () => {
    const out = fresh()
    const [first] = await build([example], {options: {out, formats: ['epub']}})
    const before = fs.readFileSync(first!.outputs.epub!)
    const [second] = await build([example], {options: {out, formats: ['epub'], epub: {stylesheet: path.join(out, 'missing.css')}}})
    expect(second!.editions.epub!.ok).toBe(false)
    expect(fs.readFileSync(first!.outputs.epub!).equals(before)).toBe(true)
    expect(fs.readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })
})
