import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // The default reporter, then one plain closing line ("N passed, N failed, N skipped")
    // that any CI log reader understands.
    reporters: ['default', './test/support/summary-reporter.ts']
  }
})
