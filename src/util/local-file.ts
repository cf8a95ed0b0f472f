/**
 * The one rule for local resources a manuscript names (images, the cover): only files
 * inside the manuscript's folder are read — after following symlinks — and nothing is
 * ever fetched. Every edition asks here, so the rule cannot drift between them.
 */
import fs from 'node:fs'
import path from 'node:path'

export type Located =
  | {ok: true; /** Real path, symlinks resolved. */ file: string}
  | {ok: false; code: 'image-remote' | 'image-scheme' | 'image-outside' | 'image-missing'; reason: string}

/** True when `target` is `dir` itself or lies below it (`..notes.png` is inside; `../x` is not). */
export function isInside(dir: string, target: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(target))
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
}

/** Where the file a manuscript names by `url` really is, or why it is not read. */
export function locateLocalFile(url: string, baseDir: string): Located {
  const shown = url.length > 80 ? `${url.slice(0, 77)}…` : url
  if (/^(https?:)?\/\//i.test(url)) return {ok: false, code: 'image-remote', reason: `remote '${shown}' is not fetched`}
  // A URL scheme (but not a Windows drive letter such as C:\).
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[a-z]:[\\/]/i.test(url)) {
    return {ok: false, code: 'image-scheme', reason: `'${shown}' uses a '${url.slice(0, url.indexOf(':')).toLowerCase()}:' URL and is not read`}
  }
  let relative = url.split(/[?#]/)[0]!
  try {
    relative = decodeURIComponent(relative)
  } catch {
    // Keep the raw path: a stray % is a legal file-name character.
  }
  const file = path.resolve(baseDir, relative)
  if (!baseDir || !isInside(baseDir, file)) {
    return {ok: false, code: 'image-outside', reason: `'${shown}' is outside the manuscript's folder; not read`}
  }
  let real: string
  try {
    real = fs.realpathSync(file)
    if (!fs.statSync(real).isFile()) return {ok: false, code: 'image-missing', reason: `'${shown}' is not a file`}
  } catch {
    return {ok: false, code: 'image-missing', reason: `'${shown}' not found`}
  }
  if (!isInside(fs.realpathSync(baseDir), real)) {
    return {ok: false, code: 'image-outside', reason: `'${shown}' links outside the manuscript's folder; not read`}
  }
  return {ok: true, file: real}
}
