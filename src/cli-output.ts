/** What the CLI prints for people: summaries, the inspect view, progress. JSON is printed as is. */
import path from 'node:path'
import type {BuildReport} from './report.js'

function clip(text: string, length: number): string {
  const chars = [...text]
  return chars.length > length ? chars.slice(0, length - 1).join('') + '…' : text
}

function removedLines(report: BuildReport): string[] {
  return report.dedupe.removed.map(
    (r) =>
      `  line ${r.line}${r.section ? ` (${r.section.id})` : ''} repeats line ${r.firstLine}` +
      `${r.similarity < 1 ? ` (${Math.round(r.similarity * 100)}% similar)` : ''}: ${r.text}`
  )
}

function warningLines(report: BuildReport): string[] {
  return report.warnings.map((w) => `  warning${w.stage ? ` [${w.stage}]` : ''}: ${w.line ? `line ${w.line}: ` : ''}${w.message}`)
}

/** `imprint inspect`: structure, speakers and the dedupe report. */
export function formatInspect(report: BuildReport): string {
  const lines = [
    `${report.input}`,
    `  title:    ${report.title}`,
    ...(report.subtitle ? [`  subtitle: ${report.subtitle}`] : []),
    `  language: ${report.language}`,
    `  sections: ${report.sections.length}`
  ]
  const width = Math.max(0, ...report.sections.map((s) => String(s.line).length))
  for (const section of report.sections) {
    const speakers = section.speakers.length > 0 ? `  [${section.speakers.join(', ')}]` : ''
    lines.push(`    ${section.id}  line ${String(section.line).padStart(width)}  ${clip(section.title, 40)}${speakers}`)
  }
  lines.push(`  speakers: ${report.speakers.length > 0 ? report.speakers.join(', ') : '(none)'}`)
  if (!report.dedupe.enabled) lines.push('  repeated paragraphs: not checked (--no-dedupe)')
  else {
    lines.push(`  repeated paragraphs removed: ${report.dedupe.removed.length}`)
    lines.push(...removedLines(report).map((l) => `  ${l}`))
  }
  lines.push(...warningLines(report))
  return lines.join('\n') + '\n'
}

/** `imprint build` without --json: one block per manuscript on stderr. */
export function formatBuildSummary(report: BuildReport): string {
  const lines = [
    `${report.input} → “${clip(report.title, 40)}” (${report.language}, ${report.sections.length} sections, ` +
      `${report.dedupe.removed.length} repeated paragraphs removed)`
  ]
  // Paths below the working folder print relative; anything else prints absolute.
  const rel = (file: string) => {
    const relative = path.relative(process.cwd(), file)
    return relative && !relative.startsWith('..') ? relative : file
  }
  for (const [edition, result] of Object.entries(report.editions)) {
    const seconds = `${(result.ms / 1000).toFixed(1)} s`
    if (!result.ok) {
      lines.push(`  ${edition.padEnd(9)} FAILED: ${result.error}`)
      continue
    }
    let what = ''
    if (edition === 'epub' && report.outputs.epub) what = rel(report.outputs.epub)
    else if (edition === 'pdf' && report.outputs.pdf)
      what = rel(report.outputs.pdf) + (report.outputs.booklet ? `, ${rel(report.outputs.booklet)}` : '')
    else if (edition === 'readalong' && report.outputs.readalong) what = rel(report.outputs.readalong)
    else if (edition === 'audio' && report.outputs.audio) {
      const audio = report.outputs.audio
      what =
        `${rel(audio.dir)}/ ${audio.files.length} files, ${formatDuration(audio.totalDurationMs)} ` +
        `(${audio.synthesized} synthesized, ${audio.cached} cached)`
    }
    lines.push(`  ${edition.padEnd(9)} ${what}  ${seconds}`)
  }
  lines.push(...removedLines(report), ...warningLines(report))
  return lines.join('\n') + '\n'
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** Progress: a redrawn bar on a terminal, a plain line per step otherwise. */
export function createProgress(io: {stderr: (text: string) => void; isTTY: boolean}) {
  const started = performance.now()
  let drawn = false
  return {
    update(event: {input: string; edition: string; done: number; total: number; label?: string}) {
      const elapsed = (performance.now() - started) / 1000
      if (!io.isTTY) {
        io.stderr(`${path.basename(event.input)} ${event.edition} ${event.done}/${event.total}${event.label ? ` ${event.label}` : ''}\n`)
        return
      }
      const width = 24
      const filled = event.total > 0 ? Math.round((event.done / event.total) * width) : 0
      const eta = event.done > 0 ? (elapsed / event.done) * (event.total - event.done) : 0
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
      io.stderr(
        `\r${event.edition.padEnd(9)} ${bar} ${event.done}/${event.total}  ${elapsed.toFixed(0)} s elapsed` +
          `${event.done > 0 && event.done < event.total ? `, ~${eta.toFixed(0)} s left` : ''}\u001b[K`
      )
      drawn = true
    },
    done() {
      if (drawn) io.stderr('\n')
      drawn = false
    }
  }
}
