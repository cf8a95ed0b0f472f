/**
 * Atomic writes: data goes to a temporary file in the same folder, then is renamed over
 * the target, so a crash, Ctrl-C or a failed edition never leaves a truncated file in
 * place of a good earlier one.
 */
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** Temporary files still on disk, removed on SIGINT/SIGTERM/exit. */
const pending = new Set<string>()
let hooked = false

function hookCleanup(): void {
  if (hooked) return
  hooked = true
  const cleanup = () => {
    for (const file of pending) fs.rmSync(file, {force: true, recursive: true})
    pending.clear()
  }
  process.on('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
}

export function temporaryPath(target: string): string {
  hookCleanup()
  const file = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  pending.add(file)
  return file
}

export function settle(temporary: string): void {
  pending.delete(temporary)
}

/** Write `data` to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPath(target)
  try {
    await fs.promises.writeFile(temporary, data)
    await fs.promises.rename(temporary, target)
  } catch (error) {
    await fs.promises.rm(temporary, {force: true})
    throw error
  } finally {
    settle(temporary)
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temporary = temporaryPath(target)
  try {
    fs.writeFileSync(temporary, data)
    fs.renameSync(temporary, target)
  } catch (error) {
    fs.rmSync(temporary, {force: true})
    throw error
  } finally {
    settle(temporary)
  }
}

/** `.<name>.<pid>-<8 hex>.tmp`, as temporaryPath() names them. */
const TEMPORARY = /^\..+\.(\d+)-[0-9a-f]{8}\.tmp$/

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove temporary files in `dir` left by builds that were killed outright (SIGKILL, a
 * power cut), which cannot clean up after themselves. Files of running processes stay.
 * Returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const match = TEMPORARY.exec(name)
    if (!match || isAlive(Number(match[1]))) continue
    fs.rmSync(path.join(dir, name), {force: true, recursive: true})
    removed.push(name)
  }
  return removed
}
