/**
 * The `imprint` command: parses arguments, calls the library, prints, returns the exit
 * status. No work happens here that a library call does not also do.
 */
import {Command, CommanderError, Option} from 'commander'
import {createRequire} from 'node:module'
import {build, describe, exitCode, failedReport} from './build.js'
import {FORMATS, type Format, type PartialOptions} from './config.js'
import {ImprintError, oneLine} from './errors.js'
import {loadManuscript} from './load.js'
import {formatBuildSummary, formatInspect, createProgress} from './cli-output.js'
import type {BuildReport} from './report.js'

const {version} = createRequire(import.meta.url)('../package.json') as {version: string}

interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Whether stderr is a terminal (progress bar) or a log (plain lines). */
  isTTY: boolean
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY)
}

/** Run the CLI with `argv` (as in process.argv); resolves to the exit status. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let status = 0
  let verbose = argv.includes('--verbose')
  const program = new Command()
    .name('imprint')
    .description('One Markdown manuscript in, three editions out: EPUB 3, typeset PDF, and per-section speech audio.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({writeOut: io.stdout, writeErr: io.stderr})
    .exitOverride()

  const buildCommand = program
    .command('build')
    .description('build editions of one or more manuscripts')
    .argument('<input.md...>', 'Markdown manuscripts (each builds into its own outputs)')
    .option('-o, --out <dir>', 'output folder (default: out)')
    .option('-f, --formats <list>', `comma-separated editions: ${FORMATS.join(', ')} (default: epub,pdf,audio)`)
    .option('-c, --config <file>', 'config file (default: imprint.config.{json,yaml,yml} beside the manuscript)')
    .option('--json', 'print the build report as JSON on stdout, nothing else')
    .option('-q, --quiet', 'no progress or summary on stderr (errors still print)')
    .option('--verbose', 'stack traces with errors')
    .option('--no-dedupe', 'keep repeated paragraphs')
    .option('--similarity <x>', 'also remove near-duplicates at this similarity (0–1]')
    .option('--min-length <n>', 'never remove paragraphs shorter than this (default 12)')
    .option('--split-depth <n>', "heading depth that starts a section, or 'auto'")
    .option('--readalong', 'also build the read-along EPUB (same as adding readalong to --formats)')
    .option('--embed-fonts', 'EPUB: embed the bundled CJK fonts, subset to the characters used')
    .addOption(new Option('--page-size <size>', 'PDF page size').choices(['A5', 'A4', 'B5', 'Letter']))
    .addOption(new Option('--imposition <kind>', 'PDF: also write a two-up saddle-stitch booklet').choices(['none', 'booklet']))
    .addOption(new Option('--tts <engine>', 'speech engine (espeak is offline; edge uses the network)').choices(['espeak', 'edge']))
    .option('--voice <name>', 'default voice for the audio edition')
    .option('--cache <dir>', 'audio cache folder (default .imprint-cache)')
    .option('--audiobook', 'also write one whole-book MP3 with chapter marks')
    .addHelpText(
      'after',
      `
Examples:
  $ imprint build interview.md                      # EPUB, PDF and audio into ./out
  $ imprint build docs/*.md --formats epub,pdf --json > report.json
  $ imprint build book.md --tts edge --voice zh-CN-XiaoxiaoNeural --audiobook
  $ imprint build book.md --formats pdf --imposition booklet

Exit status: 0 built, 1 an edition failed, 2 bad usage or bad input.`
    )
    .action(async (inputs: string[], flags: Record<string, unknown>, command: Command) => {
      verbose = Boolean(flags.verbose)
      const options = cliOptions(flags, command)
      const quiet = Boolean(flags.quiet)
      const progress = quiet ? undefined : createProgress(io)
      const reports = await build(inputs, {
        options,
        config: flags.config as string | undefined,
        onProgress: progress?.update,
        onError: (error) => {
          if (verbose && error instanceof Error) io.stderr(`${error.stack ?? error.message}\n`)
        }
      })
      progress?.done()
      if (flags.json) io.stdout(JSON.stringify(reports.length === 1 && inputs.length === 1 ? reports[0] : reports, null, 2) + '\n')
      for (const report of reports) {
        if (report.error) io.stderr(`imprint: ${report.error}\n`)
        else if (!quiet) io.stderr(formatBuildSummary(report))
        else for (const [edition, result] of Object.entries(report.editions)) if (!result.ok) io.stderr(`imprint: ${report.input}: ${edition}: ${result.error}\n`)
      }
      status = exitCode(reports)
    })

  program
    .command('inspect')
    .description('print the structure and the repeated-paragraph report without building anything')
    .argument('<input.md...>', 'Markdown manuscripts')
    .option('--json', 'print the report as JSON on stdout')
    .option('-c, --config <file>', 'config file')
    .option('--no-dedupe', 'keep repeated paragraphs')
    .option('--similarity <x>', 'also report near-duplicates at this similarity (0–1]')
    .option('--min-length <n>', 'never remove paragraphs shorter than this (default 12)')
    .option('--split-depth <n>', "heading depth that starts a section, or 'auto'")
    .option('--verbose', 'stack traces with errors')
    .action((inputs: string[], flags: Record<string, unknown>, command: Command) => {
      verbose = Boolean(flags.verbose)
      const options = cliOptions(flags, command)
      const reports: BuildReport[] = inputs.map((input) => {
        try {
          return describe(input, loadManuscript(input, {options, config: flags.config as string | undefined}))
        } catch (error) {
          if (verbose && error instanceof Error) io.stderr(`${error.stack}\n`)
          return failedReport(input, error)
        }
      })
      if (flags.json) io.stdout(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n')
      for (const report of reports) {
        if (report.error) io.stderr(`imprint: ${report.error}\n`)
        else if (!flags.json) io.stdout(formatInspect(report))
      }
      status = exitCode(reports)
    })

  program
    .command('voices')
    .description('list the voices of a speech engine')
    .addOption(new Option('--tts <engine>', 'speech engine').choices(['espeak', 'edge']).default('espeak'))
    .option('--json', 'print the list as JSON')
    .action(async (flags: {tts: 'espeak' | 'edge'; json?: boolean}) => {
      const {listVoices} = await import('./render/audio/index.js')
      const voices = await listVoices(flags.tts)
      if (flags.json) io.stdout(JSON.stringify(voices, null, 2) + '\n')
      else for (const voice of voices) io.stdout(`${voice.name}\t${voice.language ?? ''}\t${voice.gender ?? ''}\n`)
    })

  try {
    await program.parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors are status 2.
      return error.exitCode === 0 ? 0 : 2
    }
    io.stderr(`imprint: ${oneLine(error)}\n`)
    if (verbose && error instanceof Error && !(error instanceof ImprintError)) io.stderr(`${error.stack}\n`)
    return error instanceof ImprintError && error.kind === 'edition' ? 1 : 2
  }
  return status
}

/** CLI flags → an options layer. Only flags the user typed count, so they do not mask the config file. */
export function cliOptions(flags: Record<string, unknown>, command: Command): PartialOptions {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli'
  const layer: PartialOptions = {}
  if (given('out')) layer.out = flags.out as string
  const formats = new Set<Format>()
  if (given('formats')) {
    for (const raw of String(flags.formats).split(',')) {
      const name = raw.trim()
      if (!name) continue
      if (!FORMATS.includes(name as Format)) {
        throw new ImprintError(`unknown format '${name}' (choose from ${FORMATS.join(', ')})`)
      }
      formats.add(name as Format)
    }
    if (formats.size === 0) throw new ImprintError('--formats needs at least one format')
  }
  if (given('readalong')) {
    if (formats.size === 0) for (const f of ['epub', 'pdf', 'audio'] as const) formats.add(f)
    formats.add('readalong')
  }
  if (formats.size > 0) layer.formats = [...formats]

  const dedupe: NonNullable<PartialOptions['dedupe']> = {}
  if (given('dedupe')) dedupe.enabled = Boolean(flags.dedupe)
  if (given('similarity')) dedupe.similarity = numberFlag('--similarity', flags.similarity, 0, 1, false)
  if (given('minLength')) dedupe.minLength = numberFlag('--min-length', flags.minLength, 0, 100000, true)
  if (Object.keys(dedupe).length > 0) layer.dedupe = dedupe
  if (given('splitDepth')) {
    layer.splitDepth = flags.splitDepth === 'auto' ? 'auto' : numberFlag('--split-depth', flags.splitDepth, 1, 6, true)
  }

  const epub: NonNullable<PartialOptions['epub']> = {}
  if (given('embedFonts')) epub.embedFonts = true
  if (Object.keys(epub).length > 0) layer.epub = epub

  const pdf: NonNullable<PartialOptions['pdf']> = {}
  if (given('pageSize')) pdf.pageSize = flags.pageSize as NonNullable<typeof pdf.pageSize>
  if (given('imposition')) pdf.imposition = flags.imposition as NonNullable<typeof pdf.imposition>
  if (Object.keys(pdf).length > 0) layer.pdf = pdf

  const audio: NonNullable<PartialOptions['audio']> = {}
  if (given('tts')) audio.engine = flags.tts as NonNullable<typeof audio.engine>
  if (given('voice')) audio.voice = flags.voice as string
  if (given('cache')) audio.cache = flags.cache as string
  if (given('audiobook')) audio.audiobook = true
  if (Object.keys(audio).length > 0) layer.audio = audio
  return layer
}

function numberFlag(name: string, value: unknown, min: number, max: number, integer: boolean): number {
  const n = Number(value)
  const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (integer ? n >= min : n > min) && n <= max
  if (!ok) throw new ImprintError(`${name} must be ${integer ? 'a whole number' : 'a number'} ${integer ? `from ${min}` : `above ${min}`} to ${max}, got '${value}'`)
  return n
}
