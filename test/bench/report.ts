/**
 * Results → numbers people read: medians, ratios against peers measured in the same run,
 * seconds per MB across the 1×/10×/100× inputs, the issue's targets, and the Markdown
 * table written to out/bench/bench.md (and printed).
 */
import type {Edition} from './peers.js'

export const MiB = 2 ** 20
export const MB = 1e6

export interface Sample {
  seconds: number
  peakBytes: number
}

export interface Summary {
  runs: number
  /** Median wall time, s. */
  seconds: number
  /** Median of the runs' peak RSS sums, bytes. */
  peakBytes: number
  all: Sample[]
}

export interface InputInfo {
  id: string
  file: string
  bytes: number
  /** Copies of the sample (1, 10, 100); absent for corpus books. */
  copies?: number
}

export type Status = 'ok' | 'partial' | 'not available' | 'failed' | 'skipped'

export interface ImprintResult {
  status: Status
  /** Why not ok (the renderer's message), one line. */
  message?: string
  cold?: Summary
  /** Second run with the same --cache (audio and full builds only). */
  warm?: Summary
}

export interface PeerResult {
  id: string
  label: string
  status: Status
  message?: string
  summary?: Summary
  /** Median time of each step (pandoc, chromium; espeak-ng, lame). */
  steps?: Record<string, number>
  /** imprint cold ÷ peer, time and peak (below 1: imprint is faster / smaller). */
  timeRatio?: number
  peakRatio?: number
}

export interface CaseResult {
  input: InputInfo
  edition: Edition
  imprint: ImprintResult
  peers: PeerResult[]
}

export interface Machine {
  cpu: string
  cores: number
  memoryBytes: number
  node: string
  kernel: string
  tools: Record<string, string>
}

export interface TargetResult {
  target: string
  measured: string
  verdict: 'pass' | 'FAIL' | 'n/a'
}

export interface ScalingRow {
  edition: Edition
  /** Seconds per MB (cold median) by input id. */
  secondsPerMB: Record<string, number>
  /** Change in s/MB from 10× to 100× (0.1 = 10 % slower per MB at 100×). */
  change10to100?: number
  /**
   * (t100 − t10) / (MB100 − MB10): the cost of one more MB with the fixed start-up cost
   * (node, module loading) taken out, which otherwise dominates the small inputs.
   */
  marginal10to100?: number
  /** The same from 1× to 10×; a marginal cost that grows with size would be a super-linear step. */
  marginal1to10?: number
}

export interface BenchReport {
  date: string
  machine: Machine
  settings: {runs: number; corpusRuns: number; warmup: boolean; quick: boolean; budgetSeconds: number; editions: Edition[]; source: string; sourceNote?: string; corpus: string[]}
  cases: CaseResult[]
  scaling: ScalingRow[]
  targets: TargetResult[]
  notes: string[]
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function summarize(samples: Sample[]): Summary | undefined {
  if (samples.length === 0) return undefined
  return {
    runs: samples.length,
    seconds: median(samples.map((s) => s.seconds)),
    peakBytes: median(samples.map((s) => s.peakBytes)),
    all: samples
  }
}


/** Seconds per MB for each edition over the sample's multiples, from the cold medians. */
export function scaling(cases: CaseResult[]): ScalingRow[] {
  const editions = [...new Set(cases.map((c) => c.edition))]
  return editions.map((edition) => {
    const secondsPerMB: Record<string, number> = {}
    const point: Record<string, {seconds: number; mb: number}> = {}
    for (const c of cases) {
      if (c.edition !== edition || c.input.copies === undefined || !c.imprint.cold) continue
      if (c.imprint.status !== 'ok') continue
      secondsPerMB[c.input.id] = c.imprint.cold.seconds / (c.input.bytes / MB)
      point[c.input.id] = {seconds: c.imprint.cold.seconds, mb: c.input.bytes / MB}
    }
    const at10 = secondsPerMB.x10
    const at100 = secondsPerMB.x100
    const p1 = point.x1
    const p10 = point.x10
    const p100 = point.x100
    return {
      edition,
      secondsPerMB,
      change10to100: at10 && at100 ? at100 / at10 - 1 : undefined,
      marginal10to100: p10 && p100 ? (p100.seconds - p10.seconds) / (p100.mb - p10.mb) : undefined,
      marginal1to10: p1 && p10 ? (p10.seconds - p1.seconds) / (p10.mb - p1.mb) : undefined
    }
  })
}

function find(cases: CaseResult[], inputId: string, edition: Edition): CaseResult | undefined {
  return cases.find((c) => c.input.id === inputId && c.edition === edition)
}

const seconds = (s: number) => (s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`)
const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`
const times = (ratio: number) => `${ratio.toFixed(2)}×`
const percent = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`

/** The issue's targets, each judged from this run's numbers (n/a when a side is missing). */
export function judgeTargets(cases: CaseResult[], rows: ScalingRow[]): TargetResult[] {
  const results: TargetResult[] = []
  const ok = (c: CaseResult | undefined) => (c?.imprint.status === 'ok' ? c : undefined)
  const peer = (c: CaseResult | undefined, id: string) => c?.peers.find((p) => p.id === id && p.status === 'ok')
  const ratioTarget = (target: string, c: CaseResult | undefined, peerId: string) => {
    const p = peer(c, peerId)
    if (!ok(c) || !p?.timeRatio) return results.push({target, measured: missingWhy(c, p, peerId), verdict: 'n/a'})
    results.push({target, measured: `${times(p.timeRatio)} (${seconds(c!.imprint.cold!.seconds)} vs ${seconds(p.summary!.seconds)})`, verdict: p.timeRatio <= 1 ? 'pass' : 'FAIL'})
  }

  ratioTarget('EPUB of 100× ≤ 1.0× pandoc', find(cases, 'x100', 'epub'), 'pandoc')
  const pdf = find(cases, 'x100', 'pdf')
  ratioTarget('PDF of 100× ≤ 1.0× Chromium print', pdf, 'chromium')
  if (ok(pdf)) {
    const peak = pdf!.imprint.cold!.peakBytes
    results.push({target: 'PDF of 100× peak ≤ 600 MiB', measured: mib(peak), verdict: peak <= 600 * MiB ? 'pass' : 'FAIL'})
  } else results.push({target: 'PDF of 100× peak ≤ 600 MiB', measured: missingWhy(pdf), verdict: 'n/a'})

  const audio = find(cases, 'x1', 'audio')
  ratioTarget('audio of the sample, cold ≤ 1.0× espeak-ng WASM + lame', audio, 'espeak-lame')
  if (ok(audio) && audio!.imprint.warm) {
    const share = audio!.imprint.warm.seconds / audio!.imprint.cold!.seconds
    results.push({target: 'audio warm ≤ 5 % of cold', measured: `${(share * 100).toFixed(1)} % (${seconds(audio!.imprint.warm.seconds)})`, verdict: share <= 0.05 ? 'pass' : 'FAIL'})
  } else results.push({target: 'audio warm ≤ 5 % of cold', measured: missingWhy(audio), verdict: 'n/a'})

  const full = find(cases, 'x1', 'full')
  for (const [which, limit] of [['cold', 10], ['warm', 1.5]] as const) {
    const target = `full offline build of the sample ≤ ${limit} s ${which}`
    const summary = full?.imprint[which]
    if (full?.imprint.status === 'ok' && summary) results.push({target, measured: seconds(summary.seconds), verdict: summary.seconds <= limit ? 'pass' : 'FAIL'})
    else results.push({target, measured: missingWhy(full), verdict: 'n/a'})
  }

  for (const row of rows) {
    const target = `${row.edition}: s/MB within ±30 % from 10× to 100×`
    if (row.change10to100 === undefined) results.push({target, measured: 'needs both 10× and 100×', verdict: 'n/a'})
    else {
      // The marginal cost per MB (start-up taken out) shows whether a change comes from a fixed cost or a super-linear step.
      const marginal =
        row.marginal10to100 === undefined
          ? ''
          : `; marginal ${row.marginal1to10 === undefined ? '' : `${row.marginal1to10.toFixed(2)} s/MB at 1×→10×, `}${row.marginal10to100.toFixed(2)} s/MB at 10×→100×`
      results.push({target, measured: `${percent(row.change10to100)}${marginal}`, verdict: Math.abs(row.change10to100) <= 0.3 ? 'pass' : 'FAIL'})
    }
  }
  return results
}

function missingWhy(c: CaseResult | undefined, p?: PeerResult, peerId?: string): string {
  if (!c) return 'not measured'
  if (c.imprint.status !== 'ok') return `imprint: ${c.imprint.status}`
  if (peerId && !p) {
    const skipped = c.peers.find((candidate) => candidate.id === peerId)
    return skipped ? `peer ${skipped.status}` : 'peer not run'
  }
  return 'not measured'
}

function imprintCells(result: ImprintResult): string[] {
  if (result.status !== 'ok' && result.status !== 'partial') return [result.status, '', '', '', '']
  const cold = result.cold!
  const mark = result.status === 'partial' ? ' ‡' : ''
  return [
    seconds(cold.seconds) + mark,
    mib(cold.peakBytes),
    result.warm ? seconds(result.warm.seconds) : '—',
    result.warm ? mib(result.warm.peakBytes) : '—',
    String(cold.runs)
  ]
}

function peerCells(p: PeerResult | undefined): string[] {
  if (!p) return ['—', '', '', '', '']
  if (p.status !== 'ok') return [p.label, p.status, '', '', '']
  const steps = p.steps && Object.keys(p.steps).length > 1
    ? ` (${Object.entries(p.steps).map(([name, s]) => `${name} ${s.toFixed(1)}`).join(' + ')})`
    : ''
  return [
    p.label,
    seconds(p.summary!.seconds) + steps,
    mib(p.summary!.peakBytes),
    p.timeRatio !== undefined ? times(p.timeRatio) : '',
    p.peakRatio !== undefined ? times(p.peakRatio) : ''
  ]
}

export function resultsTable(cases: CaseResult[]): string {
  const lines = [
    '| input | MB | edition | imprint cold | peak | warm | warm peak | runs | peer | peer time | peer peak | time ratio | peak ratio |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |'
  ]
  for (const c of cases) {
    const head = [c.input.id, (c.input.bytes / MB).toFixed(2), c.edition]
    const peers = c.peers.length > 0 ? c.peers : [undefined]
    peers.forEach((p, i) => {
      const left = i === 0 ? [...head, ...imprintCells(c.imprint)] : ['', '', '', '', '', '', '', '']
      lines.push(`| ${[...left, ...peerCells(p)].join(' | ')} |`)
    })
  }
  return lines.join('\n')
}

export function scalingTable(rows: ScalingRow[], inputs: InputInfo[]): string {
  const ids = inputs.filter((i) => i.copies !== undefined).map((i) => i.id)
  const lines = [
    `| edition | ${ids.map((id) => `s/MB ${id}`).join(' | ')} | ${ids.map((id) => `MB/s ${id}`).join(' | ')} | s/MB 10×→100× | marginal s/MB 1×→10× | marginal s/MB 10×→100× |`,
    `| --- | ${ids.map(() => '---:').join(' | ')} | ${ids.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`
  ]
  for (const row of rows) {
    const perMB = ids.map((id) => (row.secondsPerMB[id] !== undefined ? row.secondsPerMB[id]!.toFixed(2) : '—'))
    const rate = ids.map((id) => (row.secondsPerMB[id] ? (1 / row.secondsPerMB[id]!).toPrecision(3) : '—'))
    lines.push(`| ${row.edition} | ${perMB.join(' | ')} | ${rate.join(' | ')} | ${row.change10to100 !== undefined ? percent(row.change10to100) : '—'} | ${row.marginal1to10 !== undefined ? row.marginal1to10.toFixed(2) : '—'} | ${row.marginal10to100 !== undefined ? row.marginal10to100.toFixed(2) : '—'} |`)
  }
  return lines.join('\n')
}

export function targetsTable(targets: TargetResult[]): string {
  return [
    '| target | measured | verdict |',
    '| --- | --- | --- |',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.verdict} |`)
  ].join('\n')
}

export function toMarkdown(report: BenchReport): string {
  const {machine, settings} = report
  const inputs = uniqueInputs(report.cases)
  const problems = report.cases.flatMap((c) => [
    ...(c.imprint.message ? [`- ${c.input.id} ${c.edition}: imprint ${c.imprint.status}: ${c.imprint.message}`] : []),
    ...c.peers.filter((p) => p.message).map((p) => `- ${c.input.id} ${c.edition}: ${p.label} ${p.status}: ${p.message}`)
  ])
  return [
    '# imprint benchmark',
    '',
    `- date: ${report.date}`,
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Linux ${machine.kernel}, node ${machine.node}`,
    `- tools: ${Object.entries(machine.tools).map(([name, version]) => `${name} ${version}`).join('; ') || 'none'}`,
    `- runs: median of up to ${settings.runs} per case${settings.corpus.length > 0 ? ` (${settings.corpusRuns} for corpus books)` : ''}, no more once a case has used ${settings.budgetSeconds || '∞'} s (at least 1)${settings.warmup ? '; an untimed warm-up build first' : ''}${settings.quick ? '; --quick' : ''}`,
    `- inputs: ${settings.source}${settings.sourceNote ? ` (${settings.sourceNote})` : ''}; ${inputs.map((i) => `${i.id} ${(i.bytes / MB).toFixed(2)} MB`).join(', ')}`,
    `- peak = largest sum of RSS over the process tree (polled every 20 ms); ratio = imprint ÷ peer from the same run (below 1: imprint is faster / smaller); warm = second run with the same --cache (audio and full builds only); ‡ = some editions of the build failed`,
    '',
    '## Results',
    '',
    resultsTable(report.cases),
    '',
    '## Scaling (cold)',
    '',
    scalingTable(report.scaling, inputs),
    '',
    '## Targets',
    '',
    targetsTable(report.targets),
    '',
    ...(problems.length > 0 || report.notes.length > 0 ? ['## Notes', '', ...report.notes.map((n) => `- ${n}`), ...problems, ''] : [])
  ].join('\n')
}

function uniqueInputs(cases: CaseResult[]): InputInfo[] {
  const seen = new Map<string, InputInfo>()
  for (const c of cases) if (!seen.has(c.input.id)) seen.set(c.input.id, c.input)
  return [...seen.values()]
}

