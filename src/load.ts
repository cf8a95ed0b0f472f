/**
 * Read → parse → front matter → options → transforms → Book.
 * Everything up to the renderers; `imprint inspect` stops here.
 */
import path from 'node:path'
import {toBook} from './book/index.js'
import {resolveMeta} from './book/meta.js'
import type {Book} from './book/types.js'
import {
  defaults,
  findConfigFile,
  loadConfigFile,
  mergeOptions,
  parseYamlMap,
  pickOptions,
  validateOptions,
  type Options,
  type PartialOptions
} from './config.js'
import {ImprintError} from './errors.js'
import {parseMarkdown, transform} from './parse/index.js'
import {findDeepNesting, findDeepNode, isStackOverflow, MAX_DELIMITER_RUN, MAX_NESTING, MAX_TREE_DEPTH} from './parse/nesting.js'
import type {RemovedParagraph, Warning} from './report.js'
import {prepareText, readSource, type Source} from './source.js'

export interface LoadOptions {
  /** CLI-level options; they win over front matter and the config file. */
  options?: PartialOptions
  /** A config file; when absent, `imprint.config.{json,yaml,yml}` beside the manuscript is used if present. */
  config?: string
}

export interface Loaded {
  book: Book
  options: Options
  removed: RemovedParagraph[]
  warnings: Warning[]
}

/** Load a manuscript file. Throws ImprintError (exit 2) for unreadable or malformed input. */
export function loadManuscript(file: string, load: LoadOptions = {}): Loaded {
  return loadSource(readSource(file), load)
}

/** Load Markdown text as if it were a file at `file` (resources resolve against its folder). */
export function loadText(text: string, file = 'manuscript.md', load: LoadOptions = {}): Loaded {
  return loadSource({...prepareText(text, file), file, mtime: new Date(0)}, load)
}

function loadSource(source: Source, load: LoadOptions): Loaded {
  const warnings: Warning[] = []
  const warn = (warning: Warning) => warnings.push(warning)
  for (const {line, codePoints} of source.removed ?? []) {
    warn({code: 'control-character', stage: 'source', line, message: `removed ${[...new Set(codePoints)].join(', ')} (control or bidi-override character)`})
  }
  const baseDir = path.dirname(path.resolve(source.file))

  const configFile = load.config ?? findConfigFile(baseDir)
  let fromConfig: PartialOptions = {}
  if (configFile) {
    const loaded = loadConfigFile(configFile)
    fromConfig = loaded.options
    for (const problem of loaded.warnings) {
      warn({code: 'unknown-key', stage: 'config', message: `${configFile}: ${problem.message}`, line: problem.line})
    }
  }

  // Refuse pathological nesting before the parser, whose cost grows with it (see parse/nesting.ts).
  const deep = findDeepNesting(source.text)
  if (deep?.kind === 'delimiters') {
    throw new ImprintError(`a run of ${deep.depth} '*' or '_' characters; imprint accepts at most ${MAX_DELIMITER_RUN} in a row outside code (escape them with \\ or put them in code)`, {file: source.file, line: deep.line})
  }
  if (deep) {
    throw new ImprintError(`block quotes and lists nested more than ${MAX_NESTING} levels deep; imprint refuses such input (parsing it would take minutes)`, {file: source.file, line: deep.line})
  }
  let tree: ReturnType<typeof parseMarkdown>
  try {
    tree = parseMarkdown(source.text)
  } catch (error) {
    if (isStackOverflow(error)) throw new ImprintError('inline markup (emphasis, links) nested too deeply to parse', {file: source.file})
    throw error
  }
  const deepNode = findDeepNode(tree)
  if (deepNode) {
    throw new ImprintError(`markup nested more than ${MAX_TREE_DEPTH} levels deep (emphasis, links, lists, quotes); imprint refuses such input`, {file: source.file, line: deepNode.line})
  }
  const yamlNode = tree.children[0]?.type === 'yaml' ? tree.children[0] : undefined
  let front: ReturnType<typeof parseYamlMap> = {data: {}, lineOf: () => undefined}
  if (yamlNode) {
    front = parseYamlMap(yamlNode.value, source.file, yamlNode.position?.start.line ?? 1)
    const {errors, warnings: unknown} = validateOptions(front.data, {allowMeta: true, lineOf: front.lineOf})
    if (errors.length > 0) throw new ImprintError(`front matter ${errors[0]!.message}`, {file: source.file, line: errors[0]!.line})
    for (const problem of unknown) warn({code: 'unknown-key', stage: 'source', message: `front matter: ${problem.message}`, line: problem.line})
  }
  const options = mergeOptions(defaults, fromConfig, pickOptions(front.data), load.options ?? {})

  const meta = resolveMeta({data: front.data, lineOf: front.lineOf, file: source.file, baseDir, mtime: source.mtime, warn})
  const {dedupe} = transform(tree, {
    dedupe: options.dedupe.enabled && {minLength: options.dedupe.minLength, similarity: options.dedupe.similarity}
  })
  const book = toBook(tree, {splitDepth: options.splitDepth, meta, source: path.resolve(source.file), baseDir})

  // Attribute each removed paragraph to the section it stood in (both lists are in line order).
  let next = 0
  let section: RemovedParagraph['section']
  const removed: RemovedParagraph[] = (dedupe?.removed ?? []).map((r) => {
    for (; next < book.sections.length && book.sections[next]!.line <= r.line; next++) {
      section = {id: book.sections[next]!.id, title: book.sections[next]!.title}
    }
    return {line: r.line, section, text: r.text, firstLine: r.firstLine, similarity: r.similarity}
  })
  return {book, options, removed, warnings}
}
