/**
 * Resources a manuscript points at: only image files inside the manuscript's folder are
 * read. Paths outside it (`../`, absolute, symlinks leading out), `file:` URLs and remote
 * URLs (including 127.0.0.1) are never read or fetched, each reported as a warning. "Never
 * fetched" is proven with a local HTTP server that counts the requests it gets.
 */
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {strFromU8, unzipSync} from 'fflate'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {build} from '../../src/build.js'
import {fixtures} from '../support/paths.js'
import {epubcheckAll, requireEpubcheck} from '../render/epub/support.js'
import {qpdfCheck, tempDir} from './support.js'

let requests: string[] = []
let server: http.Server
let origin = ''

beforeAll(async () => {
  server = http.createServer((request, response) => {
    requests.push(request.url ?? '')
    response.writeHead(200, {'content-type': 'image/png'})
    response.end(fs.readFileSync(path.join(fixtures, 'constructs/pixel.png')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('images and links to resources', () => {
  it('reads only images inside the folder; outside paths, symlinks out, file: and remote URLs are reported, never read or fetched', async () => {
    requireEpubcheck()
    process.env.SOURCE_DATE_EPOCH ??= '1700000000'
    const root = tempDir()
    const book = path.join(root, 'book')
    fs.mkdirSync(book)
    // A secret outside the manuscript's folder, in a format the editions would embed.
    const secret = path.join(root, 'secret.png')
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), secret)
    fs.appendFileSync(secret, 'SECRET-OUTSIDE-BYTES')
    fs.symlinkSync(secret, path.join(book, 'link-out.png'))
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), path.join(book, 'inside.png'))
    const manuscript = path.join(book, 'book.md')
    fs.writeFileSync(
      manuscript,
      [
        '# Resources',
        '',
        '![inside](inside.png)',
        '',
        '![dotdot](../../etc/passwd)',
        '',
        '![dotdot secret](../secret.png)',
        '',
        `![absolute](${secret})`,
        '',
        '![symlink](link-out.png)',
        '',
        '![file url](file:///etc/passwd)',
        '',
        `![remote](${origin}/remote.png)`,
        '',
        `![schemeless](//127.0.0.1:${origin.split(':').at(-1)}/schemeless.png)`,
        '',
        '![ref][r]',
        '',
        `[r]: ${origin}/reference.png`,
        '',
        `<img src="${origin}/raw-html.png" alt="raw">`,
        '',
        `A [link](${origin}/link) is kept as a link, not fetched.`,
        ''
      ].join('\n')
    )
    requests = []
    const out = path.join(root, 'out')
    const [report] = await build([manuscript], {options: {out, formats: ['epub', 'pdf']}})
    expect(report!.ok, JSON.stringify(report!.editions)).toBe(true)
    expect(requests, 'the local server must not be asked for anything').toEqual([])

    for (const stage of ['epub', 'pdf']) {
      const codes = report!.warnings.filter((w) => w.stage === stage).map((w) => `${w.code}:${w.line}`)
      // The raw-HTML <img> is reported too, with its own line (the PDF drops raw HTML).
      if (stage === 'epub') expect(report!.warnings.filter((w) => w.stage === 'epub' && w.message.includes('/raw-html.png')).map((w) => w.line)).toEqual([23])
      expect(codes, stage).toEqual(expect.arrayContaining(['image-outside:5', 'image-outside:7', 'image-outside:9', 'image-outside:11', 'image-scheme:13', 'image-remote:15', 'image-remote:17', 'image-remote:19']))
      const messages = report!.warnings.filter((w) => w.stage === stage).map((w) => w.message)
      expect(messages.filter((m) => m.includes('inside.png')), `${stage}: the inside image is read`).toEqual([])
    }

    const epubBytes = fs.readFileSync(report!.outputs.epub!)
    const entries = unzipSync(new Uint8Array(epubBytes))
    const images = Object.keys(entries).filter((name) => name.includes('images/') && !name.includes('cover'))
    expect(images, 'exactly the inside image is embedded').toHaveLength(1)
    const all = Object.values(entries).map((data) => Buffer.from(data))
    expect(all.some((data) => data.includes('SECRET-OUTSIDE-BYTES'))).toBe(false)
    expect(all.some((data) => data.includes('root:x:0:0'))).toBe(false)
    const xhtml = Object.entries(entries).filter(([name]) => name.endsWith('.xhtml')).map(([, data]) => strFromU8(data)).join('\n')
    // No <img> pointing anywhere a reading system would fetch from.
    expect(xhtml).not.toMatch(/<img[^>]+src="(https?:|\/\/|file:)/)
    const pdf = fs.readFileSync(report!.outputs.pdf!)
    expect(pdf.includes('SECRET-OUTSIDE-BYTES')).toBe(false)
    expect(qpdfCheck(report!.outputs.pdf!)).toContain('No syntax or stream encoding errors')
    const [result] = [...(await epubcheckAll([report!.outputs.epub!])).values()]
    expect(result!.errors, result!.output).toBe(0)
    expect(requests).toEqual([])
  }, 60_000)
})
