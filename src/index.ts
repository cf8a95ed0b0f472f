/**
 * imprint's public API. Everything the CLI does is one of these calls.
 *
 *   const [report] = await build(['book.md'], {options: {formats: ['epub']}})
 */
export {build, describe, exitCode} from './build.js'
export type {BuildOptions} from './build.js'
export {loadManuscript, loadText} from './load.js'
export type {Loaded, LoadOptions} from './load.js'
export {defaults, mergeOptions, validateOptions, loadConfigFile, FORMATS} from './config.js'
export type {Options, PartialOptions, Format} from './config.js'
export {parseMarkdown, transform, remarkDedupe, remarkCjkBreaks} from './parse/index.js'
export type {DedupeOptions, DedupeReport, DedupeRemoval} from './parse/dedupe.js'
export {toBook} from './book/index.js'
export type {Book, BookMeta, Section, SpeakerLabel} from './book/types.js'
export type {BuildReport, Warning, RemovedParagraph, AudioOutput} from './report.js'
export type {RenderContext, Renderer} from './render/types.js'
export {ImprintError} from './errors.js'
export {main} from './cli.js'
