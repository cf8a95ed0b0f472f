/** Helpers for the robustness suite: render a Book to all three editions, check the speech script. */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Code, Nodes} from 'mdast'
import {toString} from 'mdast-util-to-string'
import type {Loaded} from '../../src/load.js'
import type {Book} from '../../src/book/types.js'
import {bookScript} from '../../src/render/audio/index.js'
import {renderEpub} from '../../src/render/epub/index.js'
import {renderPdf} from '../../src/render/pdf/index.js'
import type {Warning} from '../../src/report.js'

export function tempDir(prefix = 'imprint-robust-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Render the EPUB and PDF of a loaded book into `outDir`; returns their paths and the warnings. */
export async function renderBoth(loaded: Pick<Loaded, 'book' | 'options'>, outDir: string, name: string) {
  const warnings: Omit<Warning, 'stage'>[] = []
  const context = {book: loaded.book, options: loaded.options, outDir, name, warn: (w: Omit<Warning, 'stage'>) => warnings.push(w), progress: () => {}}
  const epub = (await renderEpub(context)).epub!
  const pdf = (await renderPdf(context)).pdf!
  return {epub, pdf, warnings}
}

/** `qpdf --check` output; throws naming the apt package when qpdf is missing. */
export function qpdfCheck(file: string): string {
  try {
    execFileSync('qpdf', ['--version'], {stdio: 'pipe'})
  } catch {
    throw new Error('qpdf not found: install the Debian package qpdf')
  }
  try {
    return execFileSync('qpdf', ['--check', file], {encoding: 'utf8', stdio: 'pipe'})
  } catch (error) {
    const e = error as {stdout?: string; stderr?: string}
    return `FAILED ${e.stdout ?? ''} ${e.stderr ?? ''}`
  }
}

/**
 * Markdown syntax that must never be read aloud. Each pattern may occur in the script only
 * as often as it occurs in the text the author wrote as text (escaped `\*\*`, code spans):
 * a surplus means markup leaked into the speech.
 */
const SYNTAX: [string, RegExp][] = [
  ['strong/emphasis delimiters', /\*\*|__/g],
  ['link/image syntax', /\]\(|!\[/g],
  ['code fences', /```|~~~/g],
  ['HTML tags', /<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?\/?>/g],
  ['ATX headings', /^#{1,6}\s/gm],
  ['block quote markers', /^>\s/gm],
  ['table pipes', /\|\s*-{3,}/g]
]

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0
}

/** The text of a node as written: text, code and alt text, never raw HTML. */
function writtenText(node: Nodes): string {
  const codes: string[] = []
  const walk = (n: Nodes) => {
    if (n.type === 'code') codes.push((n as Code).value)
    if ('children' in n) for (const child of n.children) walk(child as Nodes)
  }
  walk(node)
  return [toString(node, {includeHtml: false}), ...codes].join('\n')
}

/** Problems with the speech script of `book`: raw syntax that leaked, per section. */
export function scriptProblems(book: Book): string[] {
  const problems: string[] = []
  for (const {section, blocks} of bookScript(book)) {
    const spoken = blocks.map((b) => b.text).join('\n')
    const footnotes = [...book.footnotes.values()].map((f) => writtenText(f)).join('\n')
    const written = [section.title, ...section.nodes.map((n) => writtenText(n)), footnotes].join('\n')
    for (const [what, pattern] of SYNTAX) {
      const surplus = count(spoken, pattern) - count(written, pattern)
      if (surplus > 0) problems.push(`${section.id} "${section.title.slice(0, 40)}": ${what} in speech: ${JSON.stringify(spoken.slice(0, 120))}`)
    }
    for (const block of blocks) {
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(block.text)) problems.push(`${block.id}: control character in speech`)
    }
  }
  return problems
}
