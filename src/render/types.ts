/** The contract between the build and each edition's renderer. */
import type {Book} from '../book/types.js'
import type {Options} from '../config.js'
import type {BuildReport, Warning} from '../report.js'

export interface RenderContext {
  book: Book
  options: Options
  /** Absolute output folder; it exists. */
  outDir: string
  /** Base name for outputs: the manuscript's file name without extension. */
  name: string
  /** Report something the reader should know (skipped image, missing glyph…); never throws. */
  warn(warning: Omit<Warning, 'stage'>): void
  /** Human progress for stderr; silent with --quiet or --json. */
  progress(event: {done: number; total: number; label?: string}): void
}

/** A renderer writes its files (atomically) and returns what it wrote, for the report. */
export type Renderer = (context: RenderContext) => Promise<BuildReport['outputs']>
