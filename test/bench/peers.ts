/**
 * The tools imprint is compared with. A peer is a list of commands run one after the
 * other; its time is their sum and its peak the largest of theirs. A peer whose tool is
 * missing says why, and the benchmark skips it with that message.
 */
import fs from 'node:fs'
import path from 'node:path'
import {loadManuscript} from '../../src/load.js'
import {onPath} from './measure.js'
import {root} from './generate.js'

export type Edition = 'epub' | 'pdf' | 'audio' | 'full'

export interface Step {
  label: string
  command: string
  args: string[]
}

export interface Peer {
  id: string
  /** What it is, for the tables. */
  label: string
  edition: Edition
  /** Only worth running on the 1× sample (speech of the whole 100× would take an hour). */
  sampleOnly?: boolean
  /** Why it cannot run here, or undefined when it can. */
  missing(): string | undefined
  /** The commands for one run over `input`, writing into the empty folder `work`. */
  steps(input: string, work: string): Step[]
}

const PEERS_DIR = path.join(root, 'test/bench/peers')

/** The CJK TrueType font the PDF peers use: the project's own, else one on the machine. */
export function cjkFont(): string | undefined {
  const bundled = path.join(root, 'fonts/NotoSansSC-Regular.ttf')
  if (fs.existsSync(bundled)) return bundled
  for (const dir of ['/usr/share/fonts', '/usr/local/share/fonts']) {
    const found = findFile(dir, (name) => /\.ttf$/i.test(name) && /(cjk|sc|hans|wqy|droid.*fallback)/i.test(name))
    if (found) return found
  }
  return undefined
}

function findFile(dir: string, accept: (name: string) => boolean): string | undefined {
  if (!fs.existsSync(dir)) return undefined
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      const found = findFile(full, accept)
      if (found) return found
    } else if (accept(entry.name)) return full
  }
  return undefined
}

/** Print CSS matching imprint's PDF defaults: A5, Noto Sans SC, 10.5 pt, justified. */
export function printStyle(): string {
  const font = path.join(root, 'fonts/NotoSansSC-Regular.ttf')
  const face = fs.existsSync(font)
    ? `@font-face { font-family: "Noto Sans SC"; src: url("file://${font}") format("truetype"); }\n`
    : ''
  return `<style>
${face}@page { size: A5; margin: 18mm 16mm; }
html { font-family: "Noto Sans SC", "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.6; }
/* !important: pandoc's default template sets its own body size and padding for print. */
body { margin: 0 !important; padding: 0 !important; max-width: none !important; font-size: 10.5pt !important; text-align: justify; }
h1, h2, h3 { text-align: left; break-after: avoid; }
</style>
`
}

const missingApt = (tool: string, pkg: string) => (onPath(tool) ? undefined : `${tool} not found (apt-get install -y ${pkg})`)

function chromiumBinary(): string | undefined {
  return onPath('chromium') ?? onPath('chromium-browser') ?? onPath('google-chrome')
}

export const peers: Peer[] = [
  {
    id: 'pandoc',
    label: 'pandoc -t epub3',
    edition: 'epub',
    missing: () => missingApt('pandoc', 'pandoc'),
    steps: (input, work) => [
      {label: 'pandoc', command: 'pandoc', args: ['--quiet', '-t', 'epub3', '-M', 'title=bench', '-o', path.join(work, 'book.epub'), input]}
    ]
  },
  {
    // pandoc's default puts everything under one `#` into one chapter file (2.1 MB for the
    // 100× input); this is the same book split as imprint splits it, one file per section.
    id: 'pandoc-sections',
    label: 'pandoc -t epub3, a file per section',
    edition: 'epub',
    missing: () => missingApt('pandoc', 'pandoc'),
    steps: (input, work) => {
      const depth = Math.max(1, ...loadManuscript(input).book.sections.map((section) => section.depth))
      return [
        {
          label: 'pandoc',
          command: 'pandoc',
          // --epub-chapter-level is pandoc 2.x's name for --split-level; 3.x still takes it.
          args: ['--quiet', '-t', 'epub3', `--epub-chapter-level=${depth}`, '-M', 'title=bench', '-o', path.join(work, 'book.epub'), input]
        }
      ]
    }
  },
  {
    id: 'chromium',
    label: 'pandoc → HTML → Chromium print',
    edition: 'pdf',
    missing: () => missingApt('pandoc', 'pandoc') ?? (chromiumBinary() ? undefined : 'chromium not found (apt-get install -y chromium)'),
    steps: (input, work) => {
      const header = path.join(work, 'print-style.html')
      fs.writeFileSync(header, printStyle())
      const html = path.join(work, 'book.html')
      return [
        {label: 'pandoc', command: 'pandoc', args: ['--quiet', '-s', '-H', header, '-M', 'pagetitle=bench', '-o', html, input]},
        {
          label: 'chromium',
          command: chromiumBinary()!,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            // No network here: fail name lookups at once instead of waiting on them.
            '--host-resolver-rules=MAP * ~NOTFOUND',
            `--user-data-dir=${path.join(work, 'chromium-profile')}`,
            `--print-to-pdf=${path.join(work, 'book.pdf')}`,
            `file://${html}`
          ]
        }
      ]
    }
  },
  {
    id: 'pdfmake',
    label: 'raw pdfmake 0.3 with a toc',
    edition: 'pdf',
    missing: () => (cjkFont() ? undefined : 'no CJK TrueType font (fonts/NotoSansSC-Regular.ttf or apt-get install -y fonts-noto-cjk-extra)'),
    steps: (input, work) => [
      {
        label: 'pdfmake',
        command: process.execPath,
        args: [path.join(PEERS_DIR, 'pdfmake-doc.mjs'), input, path.join(work, 'book.pdf'), cjkFont()!]
      }
    ]
  },
  {
    id: 'espeak-lame',
    label: 'espeak-ng WASM + lame',
    edition: 'audio',
    sampleOnly: true,
    missing: () => missingApt('lame', 'lame'),
    steps: (input, work) => [
      {label: 'espeak-ng', command: process.execPath, args: [path.join(PEERS_DIR, 'espeak-wav.mjs'), input, path.join(work, 'book.wav')]},
      {label: 'lame', command: 'lame', args: ['--quiet', path.join(work, 'book.wav'), path.join(work, 'book.mp3')]}
    ]
  }
]
