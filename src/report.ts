/** The machine-readable build report: the contract CI jobs read (see README, "Outputs"). */

export interface Warning {
  /** Stable machine-readable code, e.g. `image-outside`, `missing-glyph`, `unknown-key`. */
  code: string
  message: string
  /** 1-based source line in the manuscript, when known. */
  line?: number
  /** Which stage raised it: `source`, `config`, `epub`, `pdf`, `audio`… */
  stage?: string
}

export interface RemovedParagraph {
  /** 1-based line of the removed repeat. */
  line: number
  /** Section the repeat stood in. */
  section?: {id: string; title: string}
  /** The first ~40 characters of the paragraph's text. */
  text: string
  /** Line of the first occurrence, which was kept. */
  firstLine: number
  /** 1 for an exact repeat, lower for a near-duplicate. */
  similarity: number
}

export interface AudioOutput {
  dir: string
  files: string[]
  playlist: string
  manifest: string
  audiobook?: string
  synthesized: number
  cached: number
  totalDurationMs: number
}

export interface EditionResult {
  ok: boolean
  ms: number
  error?: string
}

export interface BuildReport {
  input: string
  ok: boolean
  title: string
  subtitle?: string
  language: string
  sections: {id: string; title: string; slug: string; line: number; speakers: string[]}[]
  speakers: string[]
  dedupe: {enabled: boolean; removed: RemovedParagraph[]}
  outputs: {epub?: string; pdf?: string; booklet?: string; readalong?: string; audio?: AudioOutput}
  editions: Partial<Record<'epub' | 'pdf' | 'audio' | 'readalong', EditionResult>>
  warnings: Warning[]
  /** Set when the input itself could not be read or parsed (exit 2). */
  error?: string
}
