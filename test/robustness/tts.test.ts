/**
 * The online speech engine failing: connection refused, garbage frames, a socket that never
 * answers. Each must fail the audio edition with an error naming the section (no hang, no
 * crash), leave the cache consistent (no temporary files, no audio without its metadata, no
 * manifest), and a rerun against a working service must complete from there.
 */
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocketServer} from 'ws'
import {loadManuscript} from '../../src/load.js'
import {renderAudio} from '../../src/render/audio/index.js'
import {fixtures} from '../support/paths.js'
import {startFakeEdge, type FakeEdge} from '../render/audio/fake-edge.js'
import {tempDir} from './support.js'

const interview = path.join(fixtures, 'example/interview.md')
const PATH = '/consumer/speech/synthesize/readaloud/edge/v1'
let fake: FakeEdge
let garbage: WebSocketServer
let silent: WebSocketServer
let refusedPort = 0

beforeAll(async () => {
  fake = await startFakeEdge()
  // Answers every request with frames that are not the service's protocol, then closes.
  garbage = new WebSocketServer({host: '127.0.0.1', port: 0})
  garbage.on('connection', (socket) => {
    socket.on('message', () => {
      socket.send(Buffer.from([0xff, 0xff, 0x00, 0x01, 0x02]))
      socket.send('not a header block at all')
      socket.send(Buffer.from([0x00, 0x05, 0x50, 0x61]))
      socket.close(1011, 'garbage')
    })
  })
  // Accepts the connection and never says anything.
  silent = new WebSocketServer({host: '127.0.0.1', port: 0})
  // A port nobody listens on: bind, note, close.
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  refusedPort = (probe.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  await Promise.all([garbage, silent].map((server) => new Promise<void>((resolve) => (server.address() ? resolve() : server.once('listening', resolve)))))
})
afterAll(async () => {
  await fake.close()
  for (const server of [garbage, silent]) {
    for (const client of server.clients) client.terminate()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

const endpointOf = (port: number) => `ws://127.0.0.1:${port}${PATH}`

/** Files in the cache that are neither a finished `.mp3` with its `.json` nor the `.json` of one. */
function cacheProblems(cache: string): string[] {
  if (!fs.existsSync(cache)) return []
  const files = fs.readdirSync(cache, {recursive: true, withFileTypes: true}).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
  const problems = files.filter((file) => file.endsWith('.tmp'))
  for (const mp3 of files.filter((f) => f.endsWith('.mp3'))) if (!files.includes(mp3.replace(/\.mp3$/, '.json'))) problems.push(`no metadata: ${mp3}`)
  for (const json of files.filter((f) => f.endsWith('.json'))) if (!files.includes(json.replace(/\.json$/, '.mp3'))) problems.push(`no audio: ${json}`)
  return problems
}

describe('the edge engine failing', () => {
  const cases: [string, () => string, RegExp][] = [
    ['connection refused', () => endpointOf(refusedPort), /section s0\d.*ECONNREFUSED/],
    ['garbage frames', () => endpointOf((garbage.address() as net.AddressInfo).port), /section s0\d.*malformed frame from the service/],
    ['a socket that never answers (timeout)', () => endpointOf((silent.address() as net.AddressInfo).port), /section s0\d.*no data for 800 ms/]
  ]
  for (const [what, endpoint, error] of cases) {
    it(`${what}: the edition fails naming the section, the cache stays consistent, a rerun completes`, async () => {
      const out = tempDir()
      const cache = path.join(out, 'cache')
      const load = (url: string) => loadManuscript(interview, {options: {audio: {engine: 'edge', endpoint: url, retries: 0, timeoutMs: 800, cache} as never}})
      const broken = load(endpoint())
      const started = performance.now()
      await expect(renderAudio({book: broken.book, options: broken.options, outDir: out, name: 'book', warn: () => {}, progress: () => {}})).rejects.toThrow(error)
      expect(performance.now() - started).toBeLessThan(15_000)
      expect(cacheProblems(cache)).toEqual([])
      expect(fs.existsSync(path.join(out, 'book.audio', 'manifest.json'))).toBe(false)
      expect(fs.readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([])

      const working = load(fake.endpoint)
      const result = await renderAudio({book: working.book, options: working.options, outDir: out, name: 'book', warn: () => {}, progress: () => {}})
      expect(result.audio!.synthesized + result.audio!.cached).toBe(working.book.sections.length)
      expect(fs.existsSync(result.audio!.manifest)).toBe(true)
      expect(cacheProblems(cache)).toEqual([])
    }, 40_000)
  }
})
