/**
 * build(): for each manuscript, load it once into a Book, then hand the Book to each
 * requested edition's renderer. One failing edition does not stop the others; one bad
 * manuscript does not stop the next.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Format, PartialOptions} from './config.js'
import {ImprintError, oneLine} from './errors.js'
import {loadManuscript, type Loaded} from './load.js'
import {removeStaleTemporaries} from './util/atomic.js'
import {renderers} from './render/index.js'
import type {RenderContext} from './render/types.js'
import type {BuildReport, Warning} from './report.js'

export interface BuildOptions {
  options?: PartialOptions
  config?: string
  /** Called with human-readable progress lines (the CLI sends them to stderr). */
  onProgress?: (event: {input: string; edition: Format; done: number; total: number; label?: string}) => void
  /** Called when an edition fails, with the error (the CLI prints stacks with --verbose). */
  onError?: (error: unknown) => void
}

/** Exit status for a set of reports: 0 all built, 1 an edition failed, 2 bad input. */
export function exitCode(reports: BuildReport[]): 0 | 1 | 2 {
  if (reports.some((r) => r.error !== undefined)) return 2
  if (reports.some((r) => !r.ok)) return 1
  return 0
}

export async function build(inputs: string[], buildOptions: BuildOptions = {}): Promise<BuildReport[]> {
  const reports: BuildReport[] = []
  for (const input of inputs) reports.push(await buildOne(input, buildOptions))
  return reports
}

/** The report's structural part, shared by `build` and `inspect`. */
export function describe(input: string, loaded: Loaded): BuildReport {
  const {book} = loaded
  return {
    input,
    ok: true,
    title: book.meta.title,
    subtitle: book.meta.subtitle,
    language: book.meta.language,
    sections: book.sections.map((s) => ({id: s.id, title: s.title, slug: s.slug, line: s.line, speakers: s.speakers})),
    speakers: book.speakers,
    dedupe: {enabled: loaded.options.dedupe.enabled, removed: loaded.removed},
    outputs: {},
    editions: {},
    warnings: [...loaded.warnings]
  }
}

export function failedReport(input: string, error: unknown): BuildReport {
  return {
    input,
    ok: false,
    title: '',
    language: '',
    sections: [],
    speakers: [],
    dedupe: {enabled: false, removed: []},
    outputs: {},
    editions: {},
    warnings: [],
    error: oneLine(error)
  }
}

async function buildOne(input: string, buildOptions: BuildOptions): Promise<BuildReport> {
  let loaded: Loaded
  try {
    loaded = loadManuscript(input, {options: buildOptions.options, config: buildOptions.config})
  } catch (error) {
    if (!(error instanceof ImprintError)) buildOptions.onError?.(error)
    return failedReport(input, error)
  }
  const report = describe(input, loaded)
  const outDir = path.resolve(loaded.options.out)
  try {
    prepareOutDir(outDir)
    // Leftovers of a build that was killed (SIGKILL cannot clean up): remove, say so.
    for (const stale of removeStaleTemporaries(outDir)) {
      report.warnings.push({code: 'stale-temporary', stage: 'build', message: `removed ${stale}, left by an interrupted build`})
    }
  } catch (error) {
    return {...report, ok: false, error: oneLine(error)}
  }
  const name = path.basename(input, path.extname(input))
  // Editions run in the order given; readalong and audio share the audio cache either way.
  const formats = [...new Set(loaded.options.formats)]
  const reported = new Set<string>()
  for (const format of formats) {
    const started = performance.now()
    const context: RenderContext = {
      book: loaded.book,
      options: loaded.options,
      outDir,
      name,
      warn: (warning: Omit<Warning, 'stage'>) => {
        // Editions that share work (readalong reuses the audio) report a problem once.
        const key = `${warning.code}\u0000${warning.line ?? ''}\u0000${warning.message}`
        if (reported.has(key)) return
        reported.add(key)
        report.warnings.push({...warning, stage: format})
      },
      progress: (event) => buildOptions.onProgress?.({input, edition: format, ...event})
    }
    try {
      const render = await renderers[format]()
      Object.assign(report.outputs, await render(context))
      report.editions[format] = {ok: true, ms: Math.round(performance.now() - started)}
    } catch (error) {
      buildOptions.onError?.(error)
      report.ok = false
      report.editions[format] = {ok: false, ms: Math.round(performance.now() - started), error: oneLine(error)}
    }
  }
  return report
}

function prepareOutDir(dir: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new ImprintError('output folder is a file, not a folder', {file: dir})
  }
  try {
    makeFolder(dir)
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (error) {
    throw new ImprintError(`cannot write to the output folder (${(error as NodeJS.ErrnoException).code ?? error})`, {file: dir})
  }
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdirSync loops forever when the kernel
 * answers ENOENT for a folder whose parent exists (e.g. under /proc).
 */
function makeFolder(dir: string): void {
  const missing: string[] = []
  let current = dir
  while (!fs.existsSync(current)) {
    missing.unshift(current)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const folder of missing) fs.mkdirSync(folder)
}
