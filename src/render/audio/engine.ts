/** The one interface every speech engine implements. */
import type {SpokenBlock} from './script.js'
import type {EngineName, ResolvedVoice} from './voices.js'

export interface VoicedBlock extends SpokenBlock {
  voice: ResolvedVoice
}

export interface SectionJob {
  section: {id: string; title: string}
  /** Language of the book (BCP 47). */
  language: string
  blocks: VoicedBlock[]
}

export interface BlockTiming {
  id: string
  /** Milliseconds from the start of the section file, speech only (the pause follows endMs). */
  startMs: number
  endMs: number
}

export interface SectionAudio {
  /** Bare MP3 frames (no tags). */
  mp3: Uint8Array
  durationMs: number
  sampleRate: number
  blocks: BlockTiming[]
}

export interface Engine {
  name: EngineName
  /** Changes whenever output for the same input may change (engine, encoder, settings format). */
  version: string
  /** Report a problem the build should list (retries that gave up on a check, …). */
  synthesize(job: SectionJob, warn: (code: string, message: string) => void): Promise<SectionAudio>
  /**
   * Many sections at once (the engine decides the parallelism). `done` is called once per job,
   * as soon as that job is finished, with its audio or its error; the promise resolves after all.
   */
  synthesizeAll(
    jobs: SectionJob[],
    warn: (index: number, code: string, message: string) => void,
    done: (index: number, outcome: SectionAudio | Error) => void
  ): Promise<void>
  close(): Promise<void>
}

export interface VoiceInfo {
  name: string
  language: string
  gender?: string
  description?: string
}
