#!/usr/bin/env node
// The `imprint` command. imprint ships its TypeScript sources and has no build step:
// on the first run after a change to src/, esbuild (the compiler tsx uses) bundles them
// into one file in node_modules/.cache/imprint/<hash>/, and later runs load that plain
// JavaScript directly — about a second faster than compiling each module through a loader
// hook. The first build also leaves V8's compiled code beside the bundle (a code cache),
// which later runs reuse instead of compiling again (0.07 s a run).
// Where the cache cannot be written, the sources run through tsx's loader instead.
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import vm from 'node:vm'

const src = path.dirname(fileURLToPath(import.meta.url))
const root = path.dirname(src)

/**
 * A key that changes whenever a source file, Node or the installed packages change (the
 * bundle holds some of them; npm rewrites package-lock.json when it installs).
 */
function sourceKey() {
  const hash = createHash('sha256').update(process.version)
  for (const file of ['package.json', 'package-lock.json']) {
    const stat = fs.statSync(path.join(root, file), {throwIfNoEntry: false})
    if (stat) hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`)
  }
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
 * and epub-gen-memory with its dependencies are hundreds of small modules, and resolving and
 * compiling them one by one costs ~0.2 s per run. Only plain-JavaScript packages are listed;
 * those with assets or WebAssembly (pdfmake, fontkit, the speech and MP3 engines, the font
 * subsetter) stay external and load from node_modules as they are.
 */
const BUNDLED = new RegExp(
  '^(' +
    [
      // Markdown → mdast → hast
      'unified|bail|devlop|extend|is-plain-obj|trough|vfile[-\\w]*|unist-util-[-\\w]+|remark-[-\\w]+|micromark[-\\w]*|mdast-util-[-\\w]+',
      'decode-named-character-reference|character-entities[-\\w]*|ccount|zwitch|longest-streak|markdown-table|escape-string-regexp|fault|format',
      'hast-util-[-\\w]+|hastscript|property-information|space-separated-tokens|comma-separated-tokens|html-void-elements|web-namespaces|parse5|entities|trim-lines',
      '@ungap/structured-clone|get-east-asian-width|franc-min|trigram-utils|n-gram|collapse-white-space|fflate|commander|yaml',
      // epub-gen-memory and what it requires
      'epub-gen-memory|ejs|jszip|pako|lie|immediate|setimmediate|readable-stream|safe-buffer|string_decoder|inherits|util-deprecate|core-util-is|isarray|process-nextick-args',
      'ow|@sindresorhus/is|callsites|dot-prop|is-obj|lodash\\.isequal|vali-date|mime|slugify|diacritics|abort-controller|event-target-shim',
      'css-select|css-what|boolbase|nth-check|dom-serializer|domhandler|domelementtype|domutils|htmlparser2|node-fetch|whatwg-url|tr46|webidl-conversions'
    ].join('|') +
    ')$'
)

const externalUnlessListed = {
  name: 'external-unless-listed',
  setup(build) {
    // epub-gen-memory's argument checks (ow) find a label for each value by reading the
    // caller's source file, which in the bundle is a 3 MB file: 40 ms a build. The bundle
    // uses the library's own no-op variant (its browser build's), as our input is typed.
    build.onResolve({filter: /^\.\/predicates$/}, (args) =>
      args.importer.includes(`${path.sep}epub-gen-memory${path.sep}`) ? {path: path.join(path.dirname(args.importer), 'predicates-nop.js')} : undefined
    )
    build.onResolve({filter: /^[^./#]/}, (args) => {
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/')
      return BUNDLED.test(name) ? undefined : {path: args.path, external: true}
    })
  }
}

/**
 * Bundle src/cli.ts with the BUNDLED packages into one CommonJS file (V8 caches compiled
 * code for scripts, not for ES modules, in Node 20) and return it, or undefined.
 */
async function bundled() {
  const cache = path.join(root, 'node_modules', '.cache', 'imprint')
  const dir = path.join(cache, sourceKey())
  const entry = path.join(dir, 'cli.cjs')
  if (fs.existsSync(entry)) return entry
  const esbuild = await import('esbuild')
  const temporary = `${dir}.${process.pid}.tmp`
  await esbuild.build({
    entryPoints: [path.join(src, 'cli.ts')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: path.join(temporary, 'cli.cjs'),
    // import() of a package becomes require(): a script run from V8's code cache loses
    // the callback Node needs for import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    supported: {'dynamic-import': false},
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

/**
 * Run the bundle as Node runs a CommonJS module, with V8's code cache from `<entry>.v8`
 * when there is one. `cacheIt()` writes the cache if there is none (or V8 refused it).
 */
function loadBundle(entry) {
  const cacheFile = `${entry}.v8`
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(entry, 'utf8')), {filename: entry, cachedData})
  const module = {exports: {}}
  script.runInThisContext()(module.exports, Module.createRequire(entry), module, entry, path.dirname(entry))
  return {
    main: module.exports.main,
    // Called after a build: V8 caches the functions compiled so far, so the cache then holds
    // the parser and the editions that build made. It is written once per bundle.
    cacheIt: () => {
      if (cachedData && !script.cachedDataRejected) return
      const temporary = `${cacheFile}.${process.pid}.tmp`
      try {
        fs.writeFileSync(temporary, script.createCachedData())
        fs.renameSync(temporary, cacheFile)
      } catch {
        fs.rmSync(temporary, {force: true})
      }
    }
  }
}

let entry
try {
  entry = await bundled()
} catch {
  entry = undefined
}
if (entry) {
  const {main, cacheIt} = loadBundle(entry)
  process.exitCode = await main(process.argv)
  if (process.argv[2] === 'build') cacheIt()
} else {
  const {register} = await import('tsx/esm/api')
  register()
  const {main} = await import('./cli.ts')
  process.exitCode = await main(process.argv)
}
