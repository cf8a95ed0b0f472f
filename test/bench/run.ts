/**
 * `npm run bench`: time imprint's editions against the peers on generated inputs.
 *
 *   npm run bench                      5 runs, 1×/10×/100× of the sample + the corpus books
 *   npm run bench -- --quick           1 run, 1× and 10× only, no corpus
 *   npm run bench -- --runs 3 --editions epub,pdf --sizes 10,100 --no-corpus --no-peers
 *   npm run bench -- --profile pdf [--profile-input x10]   one build under --cpu-prof
 *
 * Writes out/bench/bench.md and out/bench/bench.json and prints the Markdown.
 * See --help for every option.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {corpusBooks, pickSource, root, writeInputs, type Source} from './generate.js'
import {measure, type RunResult} from './measure.js'
import {peers, type Edition, type Peer} from './peers.js'
import {formatHot, hotFunctions, profilesSince} from './profile.js'
import {
  judgeTargets,
  MiB,
  scaling,
  summarize,
  toMarkdown,
  type BenchReport,
  type CaseResult,
  type ImprintResult,
  type InputInfo,
  type Machine,
  type PeerResult,
  type Sample
} from './report.js'

const EDITIONS: Edition[] = ['epub', 'pdf', 'audio', 'full']
const BENCH_DIR = path.join(root, 'out/bench')
const RUNS_DIR = path.join(BENCH_DIR, 'runs')
const PROFILE_DIR = path.join(BENCH_DIR, 'profiles')
const BIN = path.join(root, 'src/bin.js')

const HELP = `usage: npm run bench -- [options]

  --runs N             runs per case, median reported (default 5)
  --quick              1 run, 1× and 10× only, no corpus books
  --sizes LIST         multiples of the sample (default 1,10,100)
  --speech-sizes LIST  multiples for the audio and full editions (default: --sizes; on 2 cores
                       the speech of the 100× alone takes about 45 min per run)
  --editions LIST      ${EDITIONS.join(',')} (default all; full = epub,pdf,audio in one build)
  --no-corpus          skip the books of ../shared/corpus/docs
  --corpus-runs N      runs per corpus case (default: --runs)
  --corpus-editions L  editions run on corpus books (default epub,pdf: their speech would take hours)
  --no-peers           imprint only
  --budget S           stop adding runs to a case once it has used S seconds (default 600; 0 = never)
  --timeout S          kill one run after S seconds (default 600)
  --only LIST          only inputs whose id contains one of these (x100, 03b, en_, …)
  --no-warmup          skip the untimed first build (it bundles the sources and fills V8's code cache)
  --report-only        rewrite bench.md from out/bench/bench.json (after changing the report code)
  --profile [EDITION]  instead of benchmarking: one build under node --cpu-prof (default: full)
  --profile-input ID   x1, x10, x100 or a file (default x10)
  --help
`

interface Settings {
  runs: number
  quick: boolean
  sizes: number[]
  speechSizes: number[]
  editions: Edition[]
  corpus: boolean
  corpusRuns: number
  warmup: boolean
  corpusEditions: Edition[]
  peers: boolean
  budgetSeconds: number
  timeoutSeconds: number
  only?: string[]
  profile?: Edition
  profileInput: string
  reportOnly: boolean
}

function parseEditions(list: string, flag: string): Edition[] {
  const editions = list.split(',').map((e) => e.trim()).filter(Boolean)
  for (const edition of editions) if (!EDITIONS.includes(edition as Edition)) throw new Error(`${flag}: unknown edition "${edition}" (use ${EDITIONS.join(', ')})`)
  return editions as Edition[]
}

function positive(value: string | undefined, flag: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`${flag} wants a ${allowZero ? 'non-negative' : 'positive'} number, not "${value}"`)
  return n
}

function parseSettings(argv: string[]): Settings | undefined {
  // `--profile` may stand alone or take an edition; parseArgs wants one or the other.
  const args = [...argv]
  const at = args.indexOf('--profile')
  let profile: Edition | undefined
  if (at >= 0) {
    const next = args[at + 1]
    const hasValue = next !== undefined && !next.startsWith('--')
    profile = hasValue ? parseEditions(next, '--profile')[0] : 'full'
    args.splice(at, hasValue ? 2 : 1)
  }
  const {values} = parseArgs({
    args,
    options: {
      runs: {type: 'string'},
      quick: {type: 'boolean', default: false},
      sizes: {type: 'string'},
      'speech-sizes': {type: 'string'},
      'corpus-runs': {type: 'string'},
      'no-warmup': {type: 'boolean', default: false},
      editions: {type: 'string'},
      'no-corpus': {type: 'boolean', default: false},
      'corpus-editions': {type: 'string'},
      'no-peers': {type: 'boolean', default: false},
      budget: {type: 'string'},
      timeout: {type: 'string'},
      only: {type: 'string'},
      'profile-input': {type: 'string'},
      'report-only': {type: 'boolean', default: false},
      help: {type: 'boolean', default: false}
    },
    strict: true
  })
  if (values.help) {
    process.stdout.write(HELP)
    return undefined
  }
  const quick = values.quick
  const multiples = (list: string, flag: string) => list.split(',').map((s) => Math.round(positive(s, flag, 1)))
  const sizes = multiples(values.sizes ?? (quick ? '1,10' : '1,10,100'), '--sizes')
  const runs = quick && values.runs === undefined ? 1 : Math.round(positive(values.runs, '--runs', 5))
  return {
    runs,
    quick,
    sizes,
    speechSizes: values['speech-sizes'] ? multiples(values['speech-sizes'], '--speech-sizes') : sizes,
    corpusRuns: Math.round(positive(values['corpus-runs'], '--corpus-runs', runs)),
    warmup: !values['no-warmup'],
    editions: values.editions ? parseEditions(values.editions, '--editions') : EDITIONS,
    corpus: !values['no-corpus'] && !quick,
    corpusEditions: parseEditions(values['corpus-editions'] ?? 'epub,pdf', '--corpus-editions'),
    peers: !values['no-peers'],
    budgetSeconds: positive(values.budget, '--budget', 600, true),
    timeoutSeconds: positive(values.timeout, '--timeout', 600),
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
    profile,
    profileInput: values['profile-input'] ?? 'x10',
    reportOnly: values['report-only']
  }
}

/** Environment for child processes: this script's tsx loader must not leak into them. */
function childEnv(): NodeJS.ProcessEnv {
  const env = {...process.env}
  if (env.NODE_OPTIONS?.includes('tsx')) delete env.NODE_OPTIONS
  return env
}

function toolVersion(command: string, args: string[]): string | undefined {
  try {
    const out = execFileSync(command, args, {encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore']})
    return out.split('\n')[0]!.trim()
  } catch {
    return undefined
  }
}

function machine(): Machine {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : ''
  const cpu = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  const tools: Record<string, string> = {}
  const pandoc = toolVersion('pandoc', ['--version'])
  if (pandoc) tools.pandoc = pandoc.replace(/^pandoc\s*/, '')
  const chromium = toolVersion('chromium', ['--version'])
  if (chromium) tools.chromium = /[\d.]+/.exec(chromium)?.[0] ?? chromium
  const lame = toolVersion('lame', ['--version'])
  if (lame) tools.lame = /version ([\d.]+)/.exec(lame)?.[1] ?? lame
  return {cpu, cores: os.availableParallelism(), memoryBytes: os.totalmem(), node: process.version, kernel: os.release(), tools}
}

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

const fmtRun = (r: RunResult) => `${r.seconds.toFixed(2)} s, ${Math.round(r.peakBytes / MiB)} MiB`

/** The inputs: generated multiples of the sample, then the corpus books. */
function inputs(settings: Settings, source: Source): {sample: InputInfo[]; corpus: InputInfo[]} {
  const generated = writeInputs(source, [...new Set([...settings.sizes, ...settings.speechSizes])].sort((a, b) => a - b))
  const sample = generated.map((g) => ({id: `x${g.copies}`, file: g.file, bytes: g.bytes, copies: g.copies}))
  const corpus = settings.corpus
    ? corpusBooks().map((file) => ({id: path.basename(file, '.md'), file, bytes: fs.statSync(file).size}))
    : []
  return {sample, corpus}
}

function imprintArgs(input: string, edition: Edition, out: string, cache: string): string[] {
  const formats = edition === 'full' ? 'epub,pdf,audio' : edition
  return [BIN, 'build', input, '--formats', formats, '--out', out, '--quiet', '--cache', cache]
}

/** Editions the CLI reported as failed: lines `imprint: <input>: <edition>: <message>`. */
function failedEditions(stderr: string, input: string): Map<string, string> {
  const failed = new Map<string, string>()
  const prefix = `imprint: ${input}: `
  for (const line of stderr.split('\n')) {
    if (!line.startsWith(prefix)) continue
    const rest = line.slice(prefix.length)
    const colon = rest.indexOf(': ')
    if (colon > 0) failed.set(rest.slice(0, colon), rest.slice(colon + 2))
  }
  return failed
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 300) ?? ''
}

/** Judge one imprint run: ok, partial (full build with some editions failing), or why not. */
function judgeImprint(run: RunResult, input: string, edition: Edition): {status: ImprintResult['status']; message?: string} {
  if (run.timedOut) return {status: 'failed', message: `timed out after ${run.seconds.toFixed(0)} s`}
  if (run.exitCode === 0) return {status: 'ok'}
  const failed = failedEditions(run.stderr, input)
  const unavailable = [...failed.values()].every((m) => /not available/i.test(m))
  if (edition === 'full' && run.exitCode === 1 && failed.size > 0 && failed.size < 3) {
    return {status: 'partial', message: [...failed].map(([e, m]) => `${e}: ${m}`).join('; ')}
  }
  if (failed.size > 0 && unavailable) return {status: 'not available', message: [...failed.values()][0]}
  return {status: 'failed', message: lastLine(run.stderr) || `exit ${run.exitCode ?? run.signal}`}
}

async function runImprint(input: InputInfo, edition: Edition, work: string, warm: boolean, settings: Settings): Promise<{cold: RunResult; warm?: RunResult}> {
  const out = path.join(work, 'imprint')
  const cache = path.join(work, 'cache')
  fs.rmSync(out, {recursive: true, force: true})
  fs.rmSync(cache, {recursive: true, force: true})
  fs.mkdirSync(cache, {recursive: true})
  const args = imprintArgs(input.file, edition, out, cache)
  const options = {cwd: root, env: childEnv(), timeoutSeconds: settings.timeoutSeconds}
  const cold = await measure(process.execPath, args, options)
  let second: RunResult | undefined
  if (warm && cold.exitCode !== 2 && !cold.timedOut) {
    fs.rmSync(out, {recursive: true, force: true})
    second = await measure(process.execPath, args, options)
  }
  fs.rmSync(out, {recursive: true, force: true})
  fs.rmSync(cache, {recursive: true, force: true})
  return {cold, warm: second}
}

async function runPeer(peer: Peer, input: InputInfo, work: string, settings: Settings): Promise<{sample?: Sample; steps: Record<string, number>; error?: string}> {
  const dir = path.join(work, `peer-${peer.id}`)
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  let seconds = 0
  let peakBytes = 0
  const steps: Record<string, number> = {}
  try {
    for (const step of peer.steps(input.file, dir)) {
      const run = await measure(step.command, step.args, {cwd: dir, env: childEnv(), timeoutSeconds: settings.timeoutSeconds})
      if (run.exitCode !== 0) return {steps, error: `${step.label}: ${run.timedOut ? 'timed out' : `exit ${run.exitCode ?? run.signal}`}: ${lastLine(run.stderr)}`}
      seconds += run.seconds
      peakBytes = Math.max(peakBytes, run.peakBytes)
      steps[step.label] = run.seconds
    }
    return {sample: {seconds, peakBytes}, steps}
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * One input × one edition: imprint and its peers, interleaved run by run so that the
 * machine's noise hits both sides alike.
 */
async function runCase(input: InputInfo, edition: Edition, settings: Settings): Promise<CaseResult> {
  const runs = input.copies === undefined ? settings.corpusRuns : settings.runs
  const tag = `[${input.id} ${edition}]`
  const work = path.join(RUNS_DIR, `${input.id}-${edition}`)
  const withWarm = edition === 'audio' || edition === 'full'
  const applicable = settings.peers ? peers.filter((p) => p.edition === edition && (!p.sampleOnly || input.copies === 1)) : []
  const peerState = applicable.map((peer) => {
    const missing = peer.missing()
    if (missing) log(`${tag} skipping peer ${peer.label}: ${missing}`)
    return {peer, missing, error: undefined as string | undefined, samples: [] as Sample[], steps: [] as Record<string, number>[]}
  })

  const imprint: ImprintResult = {status: 'ok'}
  const cold: Sample[] = []
  const warm: Sample[] = []
  let imprintDone = false
  const started = Date.now()
  for (let i = 0; i < runs; i++) {
    if (i > 0 && settings.budgetSeconds > 0 && (Date.now() - started) / 1000 > settings.budgetSeconds) {
      log(`${tag} budget of ${settings.budgetSeconds} s used after ${i} run(s); stopping this case`)
      break
    }
    if (!imprintDone) {
      const result = await runImprint(input, edition, work, withWarm, settings)
      const verdict = judgeImprint(result.cold, input.file, edition)
      log(`${tag} run ${i + 1}/${runs} imprint cold ${fmtRun(result.cold)}${result.warm ? `, warm ${fmtRun(result.warm)}` : ''}${verdict.status === 'ok' ? '' : ` — ${verdict.status}: ${verdict.message}`}`)
      if (verdict.status === 'ok' || verdict.status === 'partial') {
        imprint.status = verdict.status
        imprint.message = verdict.message
        cold.push({seconds: result.cold.seconds, peakBytes: result.cold.peakBytes})
        if (result.warm?.exitCode === result.cold.exitCode) warm.push({seconds: result.warm.seconds, peakBytes: result.warm.peakBytes})
      } else {
        // A renderer that throws or crashes is reported, not timed again.
        imprint.status = verdict.status
        imprint.message = verdict.message
        imprintDone = true
      }
    }
    for (const state of peerState) {
      if (state.missing || state.error) continue
      const result = await runPeer(state.peer, input, work, settings)
      if (result.error || !result.sample) {
        state.error = result.error ?? 'no result'
        log(`${tag} peer ${state.peer.label} failed: ${state.error}`)
        continue
      }
      state.samples.push(result.sample)
      state.steps.push(result.steps)
      log(`${tag} run ${i + 1}/${runs} ${state.peer.label} ${result.sample.seconds.toFixed(2)} s, ${Math.round(result.sample.peakBytes / MiB)} MiB`)
    }
  }
  fs.rmSync(work, {recursive: true, force: true})

  imprint.cold = summarize(cold)
  imprint.warm = summarize(warm)
  const peerResults: PeerResult[] = peerState.map((state) => {
    const base = {id: state.peer.id, label: state.peer.label}
    if (state.missing) return {...base, status: 'skipped', message: state.missing}
    const summary = summarize(state.samples)
    if (!summary) return {...base, status: 'failed', message: state.error}
    const steps = Object.fromEntries(Object.keys(state.steps[0] ?? {}).map((name) => [name, medianOf(state.steps.map((s) => s[name] ?? 0))]))
    const result: PeerResult = {...base, status: 'ok', summary, steps, message: state.error}
    if (imprint.cold && imprint.status === 'ok') {
      result.timeRatio = imprint.cold.seconds / summary.seconds
      result.peakRatio = summary.peakBytes > 0 ? imprint.cold.peakBytes / summary.peakBytes : undefined
    }
    return result
  })
  return {input, edition, imprint, peers: peerResults}
}

/**
 * One untimed full build of the smallest input: the first run after a change bundles the
 * sources and leaves V8's code cache (src/bin.js), so the first timed run would otherwise
 * pay for it.
 */
async function warmUp(input: InputInfo, settings: Settings): Promise<void> {
  log(`bench: warm-up (untimed): full build of ${input.id}`)
  const {cold} = await runImprint(input, 'full', path.join(RUNS_DIR, 'warmup'), false, settings)
  log(`bench: warm-up done in ${fmtRun(cold)}`)
  fs.rmSync(path.join(RUNS_DIR, 'warmup'), {recursive: true, force: true})
}

function medianOf(values: number[]): number {
  return summarize(values.map((seconds) => ({seconds, peakBytes: 0})))?.seconds ?? NaN
}

function writeReport(report: BenchReport): string {
  fs.mkdirSync(BENCH_DIR, {recursive: true})
  const markdown = toMarkdown(report)
  fs.writeFileSync(path.join(BENCH_DIR, 'bench.json'), JSON.stringify(report, null, 2) + '\n')
  fs.writeFileSync(path.join(BENCH_DIR, 'bench.md'), markdown)
  return markdown
}

async function benchmark(settings: Settings): Promise<void> {
  const source = pickSource()
  if (source.note) log(`bench: ${source.note}`)
  const {sample, corpus} = inputs(settings, source)
  if (settings.corpus && corpus.length === 0) log(`bench: no corpus books found beside the repository (../shared/corpus/docs); skipping them`)
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      runs: settings.runs,
      corpusRuns: settings.corpusRuns,
      warmup: settings.warmup,
      quick: settings.quick,
      budgetSeconds: settings.budgetSeconds,
      editions: settings.editions,
      source: path.relative(path.dirname(root), source.file),
      sourceNote: source.note,
      corpus: corpus.map((c) => c.id)
    },
    cases: [],
    scaling: [],
    targets: [],
    notes: []
  }
  if (source.note) report.notes.push(source.note)
  if (settings.corpus && corpus.length > 0) report.notes.push(`corpus books: editions ${settings.corpusEditions.join(', ')} only (--corpus-editions)`)
  report.notes.push('the espeak-ng + lame peer runs on the 1× input only (the speech of the whole sample, as in the issue)')

  const plan: Array<{input: InputInfo; edition: Edition}> = []
  const speech = (edition: Edition) => edition === 'audio' || edition === 'full'
  const chosen = (input: InputInfo) => !settings.only || settings.only.some((part) => (/^x\d+$/.test(part) ? input.id === part : input.id.includes(part)))
  for (const input of sample.filter(chosen)) {
    for (const edition of settings.editions) {
      const wanted = speech(edition) ? settings.speechSizes : settings.sizes
      if (wanted.includes(input.copies!)) plan.push({input, edition})
    }
  }
  for (const input of corpus.filter(chosen)) for (const edition of settings.editions.filter((e) => settings.corpusEditions.includes(e))) plan.push({input, edition})

  if (settings.warmup && sample[0]) await warmUp(sample[0], settings)
  for (const [n, {input, edition}] of plan.entries()) {
    log(`bench: case ${n + 1}/${plan.length}: ${input.id} (${(input.bytes / 1e6).toFixed(2)} MB) ${edition}`)
    report.cases.push(await runCase(input, edition, settings))
    report.scaling = scaling(report.cases)
    report.targets = judgeTargets(report.cases, report.scaling)
    writeReport(report) // after every case: an interrupted run still leaves its numbers
  }
  const markdown = writeReport(report)
  process.stdout.write(markdown)
  log(`bench: wrote ${path.relative(root, path.join(BENCH_DIR, 'bench.md'))} and bench.json`)
}

async function profile(settings: Settings, edition: Edition): Promise<void> {
  const source = pickSource()
  let file = settings.profileInput
  const multiple = /^x(\d+)$/.exec(file)
  if (multiple) file = writeInputs(source, [Number(multiple[1])])[0]!.file
  else if (!fs.existsSync(file)) throw new Error(`--profile-input: no such file ${file}`)
  const work = path.join(RUNS_DIR, `profile-${edition}`)
  fs.rmSync(work, {recursive: true, force: true})
  fs.mkdirSync(PROFILE_DIR, {recursive: true})
  const since = Date.now() - 1000
  const args = ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, ...imprintArgs(file, edition, path.join(work, 'out'), path.join(work, 'cache'))]
  log(`bench: profiling ${edition} of ${path.relative(root, file)} (cold cache)`)
  const run = await measure(process.execPath, args, {cwd: root, env: childEnv(), timeoutSeconds: settings.timeoutSeconds})
  fs.rmSync(work, {recursive: true, force: true})
  const verdict = judgeImprint(run, file, edition)
  log(`bench: ${fmtRun(run)}${verdict.status === 'ok' ? '' : ` — ${verdict.status}: ${verdict.message}`}`)
  const files = profilesSince(PROFILE_DIR, since)
  if (files.length === 0) throw new Error(`no .cpuprofile written to ${PROFILE_DIR}`)
  const text = `${formatHot(hotFunctions(files, root, 15))}\nProfiles (open in Chrome DevTools → Performance, or speedscope):\n${files.map((f) => `- ${path.relative(root, f)}`).join('\n')}\n`
  fs.writeFileSync(path.join(PROFILE_DIR, `top-${edition}.md`), text)
  process.stdout.write(text)
}

async function main(): Promise<number> {
  let settings: Settings | undefined
  try {
    settings = parseSettings(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${HELP}`)
    return 2
  }
  if (!settings) return 0
  if (settings.reportOnly) {
    const report = JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'bench.json'), 'utf8')) as BenchReport
    report.scaling = scaling(report.cases)
    report.targets = judgeTargets(report.cases, report.scaling)
    process.stdout.write(writeReport(report))
  } else if (settings.profile) await profile(settings, settings.profile)
  else await benchmark(settings)
  return 0
}

process.exitCode = await main()
