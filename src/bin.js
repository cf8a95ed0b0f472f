#!/usr/bin/env node
// The `imprint` command. imprint ships its TypeScript sources and has no build step:
// on the first run after a change to src/, esbuild (the compiler tsx uses) bundles them
// into node_modules/.cache/imprint/<hash>/, and later runs load that plain JavaScript
// directly — about a second faster than compiling each module through a loader hook.
// Where the cache cannot be written, the sources run through tsx's loader instead.
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const src = path.dirname(fileURLToPath(import.meta.url))
const root = path.dirname(src)

/** A key that changes whenever a source file, esbuild or Node changes. */
function sourceKey() {
  const hash = createHash('sha256').update(process.version)
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (/\.[cm]?[jt]s$/.test(entry.name)) {
        const stat = fs.statSync(file)
        hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`)
      }
    }
  }
  walk(src)
  return hash.digest('hex').slice(0, 16)
}

/**
 * Packages bundled with the sources: the Markdown chain (unified, micromark, mdast, hast…)
 * is hundreds of small ES modules, and resolving and compiling them one by one costs about
 * 0.1 s per run. Only plain-JavaScript packages are listed; the rest (pdfmake, fonts, WASM
 * engines, epub-gen-memory, CommonJS packages that require Node built-ins) stay external
 * and load from node_modules as they are.
 */
const BUNDLED = /^(unified|bail|devlop|extend|is-plain-obj|trough|vfile[-\w]*|unist-util-[-\w]+|remark-[-\w]+|micromark[-\w]*|mdast-util-[-\w]+|decode-named-character-reference|character-entities[-\w]*|ccount|zwitch|longest-streak|markdown-table|escape-string-regexp|fault|format|hast-util-[-\w]+|hastscript|property-information|space-separated-tokens|comma-separated-tokens|html-void-elements|web-namespaces|parse5|entities|trim-lines|@ungap\/structured-clone|get-east-asian-width|franc-min|trigram-utils|n-gram|collapse-white-space|fflate)$/

const externalUnlessListed = {
  name: 'external-unless-listed',
  setup(build) {
    build.onResolve({filter: /^[^./#]/}, (args) => {
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/')
      return BUNDLED.test(name) ? undefined : {path: args.path, external: true}
    })
  }
}

/** Bundle src/cli.ts with the BUNDLED packages and return the entry file, or undefined. */
async function bundled() {
  const cache = path.join(root, 'node_modules', '.cache', 'imprint')
  const dir = path.join(cache, sourceKey())
  const entry = path.join(dir, 'cli.mjs')
  if (fs.existsSync(entry)) return entry
  const esbuild = await import('esbuild')
  const temporary = `${dir}.${process.pid}.tmp`
  await esbuild.build({
    entryPoints: [path.join(src, 'cli.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: temporary,
    outExtension: {'.js': '.mjs'},
    logLevel: 'silent',
    plugins: [externalUnlessListed, keepModuleLocations]
  })
  try {
    fs.renameSync(temporary, dir)
    // Older bundles are of no further use.
    for (const name of fs.readdirSync(cache)) {
      if (name !== path.basename(dir) && !name.endsWith('.tmp')) fs.rmSync(path.join(cache, name), {recursive: true, force: true})
    }
  } catch {
    // Another imprint process finished the same bundle first: use theirs.
    fs.rmSync(temporary, {recursive: true, force: true})
  }
  return fs.existsSync(entry) ? entry : undefined
}

// Modules find templates, fonts and workers relative to their own file: keep
// import.meta.url/dirname pointing at the source file, not at the bundle.
const keepModuleLocations = {
  name: 'keep-module-locations',
  setup(build) {
    build.onLoad({filter: /\.[cm]?[jt]s$/}, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8')
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
      return {contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js'}
    })
  }
}

let entry
try {
  entry = await bundled()
} catch {
  entry = undefined
}
let main
if (entry) ({main} = await import(pathToFileURL(entry).href))
else {
  const {register} = await import('tsx/esm/api')
  register()
  ;({main} = await import('./cli.ts'))
}
process.exitCode = await main(process.argv)
