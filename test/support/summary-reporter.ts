/** Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own summary. */
import type {Reporter} from 'vitest/reporters'

type Task = {type: string; mode?: string; result?: {state?: string}; tasks?: Task[]}

export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []): void {
    const counts = {passed: 0, failed: 0, skipped: 0}
    const walk = (task: Task) => {
      if (task.type === 'test') {
        const state = task.result?.state
        if (state === 'pass') counts.passed++
        else if (state === 'fail') counts.failed++
        else counts.skipped++
      }
      for (const child of task.tasks ?? []) walk(child)
    }
    for (const file of files) {
      walk(file)
      // A file that failed to load has no tests but must count as a failure.
      if (file.result?.state === 'fail' && !(file.tasks ?? []).length) counts.failed++
    }
    if (errors.length > 0) counts.failed += errors.length
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  }
}
