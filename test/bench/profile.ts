/**
 * `--profile`: one build under `node --cpu-prof`, then the functions with the most self
 * time, read straight from the .cpuprofile JSON (one file per thread: the audio edition's
 * workers write their own, and all are summed).
 */
import fs from 'node:fs'
import path from 'node:path'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export interface HotFunction {
  name: string
  /** file:line, relative to the repository when inside it. */
  location: string
  selfMs: number
  share: number
}

/** Self time per node id, in µs: sample i lasts until sample i+1 (the last until endTime). */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const times = new Map<number, number>()
  let timestamp = profile.startTime
  const stamps = samples.map((_, i) => (timestamp += deltas[i] ?? 0))
  for (let i = 0; i < samples.length; i++) {
    const duration = (i + 1 < samples.length ? stamps[i + 1]! : profile.endTime) - stamps[i]!
    const id = samples[i]!
    times.set(id, (times.get(id) ?? 0) + Math.max(0, duration))
  }
  return times
}

function label(frame: CallFrame, repo: string): {name: string; location: string} {
  const name = frame.functionName || (frame.url ? '(anonymous)' : '(native)')
  if (!frame.url) return {name, location: ''}
  let file = frame.url.replace(/^file:\/\//, '')
  if (file.startsWith(repo + '/')) file = file.slice(repo.length + 1)
  return {name, location: `${file}:${frame.lineNumber + 1}`}
}

export interface Hotspots {
  top: HotFunction[]
  /** Busy time: all samples except (idle). */
  totalMs: number
  idleMs: number
  /** Self time by where the code lives: src/<folder>, a package, node internals, GC. */
  areas: Array<{area: string; selfMs: number; share: number}>
}

/** Which part of the program a location belongs to, for the by-area summary. */
function areaOf(name: string, location: string): string {
  if (!location) return name.startsWith('(') ? name : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location)
  if (pkg) return pkg[1]!
  if (location.startsWith('node:')) return location.includes('modules/') ? 'node: module loading' : 'node: internals'
  // Our own code by folder (src/render/pdf, src/parse, …).
  const file = location.replace(/:\d+$/, '')
  return file.startsWith('src/') ? path.dirname(file) : file
}

/** The `limit` functions with the most self time over all profiles in `files`. */
export function hotFunctions(files: string[], repo: string, limit = 15): Hotspots {
  const byKey = new Map<string, {name: string; location: string; us: number}>()
  const byArea = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    for (const [id, us] of selfTimes(profile)) {
      const node = nodes.get(id)
      if (!node) continue
      const {name, location} = label(node.callFrame, repo)
      // (idle) is the event loop waiting (on workers, the disk): not work; counted apart.
      if (name === '(idle)') {
        idle += us
        continue
      }
      total += us
      const area = areaOf(name, location)
      byArea.set(area, (byArea.get(area) ?? 0) + us)
      const key = `${name}\t${location}`
      const entry = byKey.get(key)
      if (entry) entry.us += us
      else byKey.set(key, {name, location, us})
    }
  }
  const top = [...byKey.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((entry) => ({name: entry.name, location: entry.location, selfMs: entry.us / 1000, share: total ? entry.us / total : 0}))
  const areas = [...byArea]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([area, us]) => ({area, selfMs: us / 1000, share: total ? us / total : 0}))
  return {top, totalMs: total / 1000, idleMs: idle / 1000, areas}
}

/** The .cpuprofile files in `dir` written at or after `since` (ms since epoch). */
export function profilesSince(dir: string, since: number): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(dir, name))
    .filter((file) => fs.statSync(file).mtimeMs >= since)
    .sort()
}

export function formatHot({top, totalMs, idleMs, areas}: Hotspots): string {
  const rows = top.map(
    (entry, i) =>
      `| ${i + 1} | ${entry.selfMs.toFixed(0)} | ${(entry.share * 100).toFixed(1)} % | \`${entry.name.replace(/\|/g, '\\|')}\` | ${entry.location} |`
  )
  return [
    `Top ${top.length} functions by self time (of ${(totalMs / 1000).toFixed(2)} s busy over all threads; ${(idleMs / 1000).toFixed(2)} s idle not counted):`,
    '',
    '| # | self ms | share | function | where |',
    '| ---: | ---: | ---: | --- | --- |',
    ...rows,
    '',
    'By area:',
    '',
    '| area | self ms | share |',
    '| --- | ---: | ---: |',
    ...areas.map((a) => `| ${a.area} | ${a.selfMs.toFixed(0)} | ${(a.share * 100).toFixed(1)} % |`),
    ''
  ].join('\n')
}
