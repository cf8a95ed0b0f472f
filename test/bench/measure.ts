/**
 * One timed run of a command: wall time, and peak memory as the sum of RSS over every
 * process the command starts. The command is spawned detached (its own process group)
 * and /proc is polled every ~20 ms; a process counts when it is in the group OR descends
 * from the command (Chromium's zygotes and helpers are caught either way).
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'

export interface RunResult {
  /** Wall time from spawn to exit, in seconds. */
  seconds: number
  /** Largest sum of RSS seen over the process tree, in bytes (0 if never sampled). */
  peakBytes: number
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** Last part of stderr (for error messages). */
  stderr: string
  timedOut: boolean
}

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Kill the whole group after this many seconds. */
  timeoutSeconds?: number
  /** Poll interval for /proc, ms. */
  pollMs?: number
}

const PAGE_SIZE = 4096
const STDERR_KEEP = 8192

interface ProcEntry {
  pid: number
  ppid: number
  pgrp: number
  rssPages: number
}

const statBuffer = Buffer.alloc(4096)

/** Read a small /proc file into a shared buffer (no per-read allocation); undefined if gone. */
function readProc(file: string): string | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return undefined // the process ended
  }
  try {
    const length = fs.readSync(fd, statBuffer, 0, statBuffer.length, 0)
    return statBuffer.toString('latin1', 0, length)
  } catch {
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}

/** Parse /proc/<pid>/stat; the command name may hold spaces and parens, so split after the last ')'. */
function readStat(pid: number): ProcEntry | undefined {
  const text = readProc(`/proc/${pid}/stat`)
  if (text === undefined) return undefined
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state): ppid is field 4, pgrp field 5, rss field 24.
  return {pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), rssPages: Number(fields[21])}
}

function allProcesses(): ProcEntry[] {
  const entries: ProcEntry[] = []
  for (const name of fs.readdirSync('/proc')) {
    const first = name.charCodeAt(0)
    if (first < 48 || first > 57) continue
    const entry = readStat(Number(name))
    if (entry) entries.push(entry)
  }
  return entries
}

/** Sum of RSS, in bytes, of the group `leader` leads plus all descendants of `leader` (full /proc scan). */
export function treeRss(leader: number): number {
  return new TreeSampler(leader, 1).sample()
}

/**
 * Samples the RSS of one command's processes. Reading every /proc/<pid>/stat costs
 * milliseconds, which every 20 ms would steal a good part of a core from the command on
 * a 2-core machine; so most polls read only the known members and their main threads'
 * `children` lists, and every `fullEvery`-th poll scans all of /proc (catching group
 * members that were forked from other threads or reparented).
 */
export class TreeSampler {
  private members = new Set<number>()
  private polls = 0

  constructor(
    private readonly leader: number,
    private readonly fullEvery = 12
  ) {
    this.members.add(leader)
  }

  /** The current sum of RSS in bytes. */
  sample(): number {
    if (this.polls++ % this.fullEvery === 0) return this.fullScan()
    let pages = 0
    const queue = [...this.members]
    const seen = new Set<number>()
    while (queue.length > 0) {
      const pid = queue.pop()!
      if (seen.has(pid)) continue
      seen.add(pid)
      const entry = readStat(pid)
      if (!entry) {
        this.members.delete(pid)
        continue
      }
      pages += entry.rssPages
      const children = readProc(`/proc/${pid}/task/${pid}/children`)
      for (const child of children?.split(' ') ?? []) {
        if (!child.trim()) continue
        const childPid = Number(child)
        this.members.add(childPid)
        queue.push(childPid)
      }
    }
    return pages * PAGE_SIZE
  }

  private fullScan(): number {
    const entries = allProcesses()
    const children = new Map<number, ProcEntry[]>()
    for (const entry of entries) {
      const list = children.get(entry.ppid)
      if (list) list.push(entry)
      else children.set(entry.ppid, [entry])
    }
    const counted = new Set<number>([this.leader])
    for (const entry of entries) if (entry.pgrp === this.leader) counted.add(entry.pid)
    const stack = [this.leader]
    while (stack.length > 0) {
      for (const child of children.get(stack.pop()!) ?? []) {
        counted.add(child.pid)
        stack.push(child.pid)
      }
    }
    let pages = 0
    for (const entry of entries) if (counted.has(entry.pid)) pages += entry.rssPages
    this.members = counted
    return pages * PAGE_SIZE
  }
}

/** Run `command args` once and measure it. Never rejects for a failing command. */
export function measure(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP)
    })
    let peakBytes = 0
    const sampler = child.pid !== undefined ? new TreeSampler(child.pid) : undefined
    const sample = () => {
      if (sampler) peakBytes = Math.max(peakBytes, sampler.sample())
    }
    const poll = setInterval(sample, options.pollMs ?? 20)
    sample()
    let timedOut = false
    const timer =
      options.timeoutSeconds && options.timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true
            killGroup(child.pid)
          }, options.timeoutSeconds * 1000)
        : undefined
    child.on('error', (error) => {
      clearInterval(poll)
      if (timer) clearTimeout(timer)
      reject(error)
    })
    let exited: Omit<RunResult, 'stderr'> | undefined
    child.on('exit', (exitCode, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      clearInterval(poll)
      if (timer) clearTimeout(timer)
      exited = {seconds, peakBytes, exitCode, signal, timedOut}
      // Helpers the command left behind (Chromium's) are ours to end; they may also
      // hold stderr open, which would delay 'close'.
      killGroup(child.pid)
    })
    child.on('close', (exitCode, signal) => {
      resolve({...(exited ?? {seconds: Number(process.hrtime.bigint() - started) / 1e9, peakBytes, exitCode, signal, timedOut}), stderr})
    })
  })
}

/** SIGKILL the process group we created for one run (ignore "no such process"). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Whether `command` is on PATH (for peers that are optional). */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = `${dir}/${command}`
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return candidate
    } catch {
      // keep looking
    }
  }
  return undefined
}
