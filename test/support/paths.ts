/** Paths shared by tests. `shared/` sits beside the repository (CI clones it there). */
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const fixtures = path.join(root, 'test/fixtures')
export const shared = path.resolve(root, '../shared')
export const sample = path.join(shared, 'samples/press-conference.md')
export const corpusDir = path.join(shared, 'corpus/docs')

/** True when `file` exists; otherwise warns once with what is missing, so the skip is visible. */
export function have(file: string, what = 'shared test data'): boolean {
  if (fs.existsSync(file)) return true
  console.warn(`skipping: ${what} not found at ${file}`)
  return false
}

export function corpusFiles(): string[] {
  if (!fs.existsSync(corpusDir)) return []
  return fs
    .readdirSync(corpusDir)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join(corpusDir, name))
}
