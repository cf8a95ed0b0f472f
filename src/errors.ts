/**
 * One error type for everything a user can fix. The CLI prints `message` as one line
 * (`file:line: problem`) and exits 2; stack traces only with --verbose.
 */
export class ImprintError extends Error {
  readonly file?: string
  readonly line?: number
  /** `input`: the manuscript or config is bad (exit 2); `edition`: a renderer failed (exit 1). */
  readonly kind: 'input' | 'edition'

  constructor(problem: string, where: {file?: string; line?: number; kind?: 'input' | 'edition'; cause?: unknown} = {}) {
    const prefix = where.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : ''
    super(prefix + problem, {cause: where.cause})
    this.name = 'ImprintError'
    this.file = where.file
    this.line = where.line
    this.kind = where.kind ?? 'input'
  }
}

/** One line of text for any thrown value. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]!.trim() || 'unknown error'
}
