/**
 * Options: schema → load → merge → resolve.
 *
 * Merge order, later wins: defaults < config file < front matter < CLI.
 * Every layer is a `PartialOptions`; `validateOptions` checks one layer's shape and
 * names the offending key (and line, when the layer came from YAML).
 */
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import {ImprintError} from './errors.js'

export const FORMATS = ['epub', 'pdf', 'audio', 'readalong'] as const
export type Format = (typeof FORMATS)[number]
export const DEFAULT_FORMATS: Format[] = ['epub', 'pdf', 'audio']

export type PageSize = 'A5' | 'A4' | 'B5' | 'Letter'

/** Per-voice settings; any field left out falls back to the book-level audio setting. */
export interface VoiceSettings {
  voice?: string
  /** Relative speed, e.g. `+10%`, `-20%`, or a factor like `1.2`. */
  rate?: string
  /** e.g. `+5Hz`, `-10%`. */
  pitch?: string
  /** e.g. `+0%`, `-30%`, or 0–100. */
  volume?: string
}

export interface Options {
  /** Output folder. */
  out: string
  formats: Format[]
  /** Heading depth that opens a section; `auto` picks the depth of the repeated units. */
  splitDepth: number | 'auto'
  dedupe: {
    enabled: boolean
    /** Paragraphs shorter than this (after normalisation) are never removed. */
    minLength: number
    /** Near-duplicate threshold in (0, 1]; null means exact repeats only. */
    similarity: number | null
  }
  epub: {
    embedFonts: boolean
    /** A stylesheet replacing templates/epub.css. */
    stylesheet?: string
  }
  pdf: {
    pageSize: PageSize
    /** `page`: every section starts on a new page; `space`: generous space only. */
    sectionBreak: 'page' | 'space'
    /** `booklet`: also write `<name>.booklet.pdf`, two-up saddle-stitch on A4 landscape. */
    imposition: 'none' | 'booklet'
    /** Extra font files (TTF/OTF), tried after the bundled ones. */
    fonts: string[]
  }
  audio: {
    engine: 'espeak' | 'edge'
    /** Default voice for narration and unassigned speakers. */
    voice?: string
    rate?: string
    pitch?: string
    volume?: string
    /** Speaker name → voice name or settings. */
    voices: Record<string, string | VoiceSettings>
    cache: string
    /** Also write one whole-book MP3 with ID3 chapters. */
    audiobook: boolean
    concurrency: number
    /** How code blocks are spoken: skipped, or summarised ("code block, 12 lines"). */
    code: 'skip' | 'summary'
    /** Edge engine: WebSocket endpoint override (a proxy, or a local fake in tests). */
    endpoint?: string
    /** Edge engine: attempts after the first for a failed or truncated request. */
    retries: number
    /** Edge engine: a socket silent this long (ms) is abandoned and retried. */
    timeoutMs: number
  }
}

export type PartialOptions = {
  [K in keyof Options]?: Options[K] extends object
    ? Options[K] extends unknown[]
      ? Options[K]
      : Partial<Options[K]>
    : Options[K]
}

export const defaults: Options = {
  out: 'out',
  formats: DEFAULT_FORMATS,
  splitDepth: 'auto',
  dedupe: {enabled: true, minLength: 12, similarity: null},
  epub: {embedFonts: false},
  pdf: {pageSize: 'A5', sectionBreak: 'page', imposition: 'none', fonts: []},
  audio: {
    engine: 'espeak',
    voices: {},
    cache: '.imprint-cache',
    audiobook: false,
    concurrency: 2,
    code: 'summary',
    retries: 4,
    timeoutMs: 30000
  }
}

/** Metadata keys front matter may carry besides option keys. */
export const META_KEYS = [
  'title',
  'subtitle',
  'author',
  'authors',
  'lang',
  'language',
  'date',
  'identifier',
  'publisher',
  'description',
  'cover'
] as const

type Check = (value: unknown) => string | undefined
const isString: Check = (v) => (typeof v === 'string' ? undefined : 'a string')
const isBool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false')
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`
const intRange =
  (min: number, max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `a whole number from ${min} to ${max}`
const stringList: Check = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'a list of strings'
const voiceSetting: Check = (v) => {
  if (typeof v === 'string') return undefined
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (!['voice', 'rate', 'pitch', 'volume'].includes(k)) return 'a voice name or {voice, rate, pitch, volume}'
      if (typeof x !== 'string' && typeof x !== 'number') return 'a voice name or {voice, rate, pitch, volume}'
    }
    return undefined
  }
  return 'a voice name or {voice, rate, pitch, volume}'
}

/** The schema: one check per leaf key. Objects are checked key by key. */
const schema: Record<string, Check | Record<string, Check>> = {
  out: isString,
  formats: (v) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => FORMATS.includes(x as Format))
      ? undefined
      : `a non-empty list of ${FORMATS.join(', ')}`,
  splitDepth: (v) => (v === 'auto' || intRange(1, 6)(v) === undefined ? undefined : "'auto' or 1 to 6"),
  dedupe: {
    enabled: isBool,
    minLength: intRange(0, 100000),
    similarity: (v) =>
      v === null || (typeof v === 'number' && v > 0 && v <= 1) ? undefined : 'a number in (0, 1], or null'
  },
  epub: {embedFonts: isBool, stylesheet: isString},
  pdf: {
    pageSize: oneOf('A5', 'A4', 'B5', 'Letter'),
    sectionBreak: oneOf('page', 'space'),
    imposition: oneOf('none', 'booklet'),
    fonts: stringList
  },
  audio: {
    engine: oneOf('espeak', 'edge'),
    voice: isString,
    rate: isString,
    pitch: isString,
    volume: isString,
    voices: (v) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return 'a map of speaker name to voice'
      for (const x of Object.values(v)) if (voiceSetting(x)) return voiceSetting(x)
      return undefined
    },
    cache: isString,
    audiobook: isBool,
    concurrency: intRange(1, 16),
    code: oneOf('skip', 'summary'),
    endpoint: (v) => (typeof v === 'string' && /^wss?:\/\//.test(v) ? undefined : 'a ws:// or wss:// URL'),
    retries: intRange(0, 10),
    timeoutMs: intRange(100, 600000)
  }
}

export interface Problem {
  /** Dotted key path, e.g. `pdf.pageSize`. */
  key: string
  message: string
  /** 1-based line in the layer's source, when known. */
  line?: number
}

/**
 * Check one layer. Returns errors (wrong types) and warnings (unknown keys).
 * `lineOf` maps a key path to its line in the layer's source, when there is one.
 */
export function validateOptions(
  layer: Record<string, unknown>,
  options: {allowMeta?: boolean; lineOf?: (key: string[]) => number | undefined} = {}
): {errors: Problem[]; warnings: Problem[]} {
  const errors: Problem[] = []
  const warnings: Problem[] = []
  const walk = (value: Record<string, unknown>, shape: Record<string, unknown>, trail: string[]) => {
    for (const [key, v] of Object.entries(value)) {
      const at = [...trail, key]
      const line = options.lineOf?.(at)
      const check = shape[key]
      if (check === undefined) {
        if (trail.length === 0 && options.allowMeta && (META_KEYS as readonly string[]).includes(key)) continue
        warnings.push({key: at.join('.'), message: `unknown key '${at.join('.')}' (ignored)`, line})
      } else if (typeof check === 'function') {
        if (v === undefined) continue
        const expected = (check as Check)(v)
        if (expected) errors.push({key: at.join('.'), message: `'${at.join('.')}' must be ${expected}`, line})
      } else if (v && typeof v === 'object' && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, check as Record<string, unknown>, at)
      } else {
        errors.push({key: at.join('.'), message: `'${at.join('.')}' must be a map of settings`, line})
      }
    }
  }
  walk(layer, schema, [])
  return {errors, warnings}
}

/** Merge layers left to right; nested option groups merge key by key, lists replace. */
export function mergeOptions(base: Options, ...layers: PartialOptions[]): Options {
  const result = structuredClone(base) as unknown as Record<string, unknown>
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue
      const current = result[key]
      if (
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        current &&
        typeof current === 'object' &&
        !Array.isArray(current)
      ) {
        const merged = {...(current as object)} as Record<string, unknown>
        for (const [k, v] of Object.entries(value)) if (v !== undefined) merged[k] = v
        result[key] = merged
      } else {
        result[key] = value
      }
    }
  }
  return result as unknown as Options
}

/** Keep only option keys of a layer (drops metadata keys and unknown keys). */
export function pickOptions(layer: Record<string, unknown>): PartialOptions {
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(schema)) if (key in layer) picked[key] = layer[key]
  return picked as PartialOptions
}

/** Line lookup for a key path in a parsed YAML document. */
export function yamlLineFinder(doc: YAML.Document, lineCounter: YAML.LineCounter, lineOffset = 0) {
  return (keys: string[]): number | undefined => {
    let node: unknown = doc.contents
    let line: number | undefined
    for (const key of keys) {
      if (!YAML.isMap(node)) return line
      const pair = node.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === key)
      if (!pair) return line
      const range = (pair.key as YAML.Scalar).range
      if (range) line = lineCounter.linePos(range[0]).line + lineOffset
      node = pair.value
    }
    return line
  }
}

/** Parse YAML text into a plain map, or throw an ImprintError naming file and line. */
export function parseYamlMap(
  text: string,
  file: string,
  lineOffset = 0
): {data: Record<string, unknown>; lineOf: (keys: string[]) => number | undefined} {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!
    const line = lineCounter.linePos(error.pos[0]).line + lineOffset
    const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new ImprintError(`malformed YAML: ${what}`, {file, line})
  }
  const data = doc.toJS({maxAliasCount: 100}) as unknown
  if (data === null || data === undefined) return {data: {}, lineOf: () => undefined}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ImprintError('YAML must be a map of keys to values', {file, line: 1 + lineOffset})
  }
  return {data: data as Record<string, unknown>, lineOf: yamlLineFinder(doc, lineCounter, lineOffset)}
}

/** Load a config file (`.json`, `.yaml`, `.yml`). Unknown keys warn; wrong types throw. */
export function loadConfigFile(file: string): {options: PartialOptions; warnings: Problem[]} {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new ImprintError(`cannot read config: ${(error as NodeJS.ErrnoException).code ?? error}`, {file})
  }
  let data: Record<string, unknown>
  let lineOf: ((keys: string[]) => number | undefined) | undefined
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      data = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      throw new ImprintError(`malformed JSON: ${(error as Error).message}`, {file})
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw new ImprintError('config must be a JSON object', {file})
    }
  } else {
    ;({data, lineOf} = parseYamlMap(text, file))
  }
  const {errors, warnings} = validateOptions(data, {lineOf})
  if (errors.length > 0) throw new ImprintError(errors[0]!.message, {file, line: errors[0]!.line})
  return {options: pickOptions(data), warnings}
}

/** The config file used when none is named: `imprint.config.{json,yaml,yml}` beside the manuscript. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of ['imprint.config.json', 'imprint.config.yaml', 'imprint.config.yml']) {
    const candidate = path.join(dir, name)
    if (fs.existsSync(candidate)) return candidate
  }
  return undefined
}
