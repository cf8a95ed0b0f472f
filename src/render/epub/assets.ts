/**
 * Images the book embeds. Only files inside the manuscript's folder are read; anything else
 * (outside paths, `file:` URLs, remote URLs) is reported and the caller falls back to alt text.
 */
import fs from 'node:fs'
import path from 'node:path'
import {sha256} from '../../util/hash.js'
import type {Warning} from '../../report.js'

export interface Asset {
  /** Manifest id. */
  id: string
  /** Path inside OEBPS/. */
  href: string
  mediaType: string
  data: Uint8Array
  properties?: string
}

type Warn = (warning: Omit<Warning, 'stage'>) => void

/** EPUB core media types for images, recognised by their first bytes (never by the extension). */
export function sniffImageType(data: Uint8Array): {mediaType: string; extension: string} | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b)
  if (starts(0x89, 0x50, 0x4e, 0x47)) return {mediaType: 'image/png', extension: 'png'}
  if (starts(0xff, 0xd8, 0xff)) return {mediaType: 'image/jpeg', extension: 'jpg'}
  if (starts(0x47, 0x49, 0x46, 0x38)) return {mediaType: 'image/gif', extension: 'gif'}
  const head = Buffer.from(data.subarray(0, 512)).toString('utf8')
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(head)) {
    return {mediaType: 'image/svg+xml', extension: 'svg'}
  }
  return undefined
}

function isInside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

export class ImageStore {
  readonly assets: Asset[] = []
  private readonly byFile = new Map<string, Asset | null>()

  constructor(
    private readonly baseDir: string,
    private readonly warn: Warn,
    /** --allow-remote-images: accepted, but fetching is not implemented; the warning says so. */
    private readonly allowRemote = false
  ) {}

  /** The OEBPS-relative href for `src`, or undefined (already reported) when it cannot be embedded. */
  resolve(src: string, line: number | undefined): string | undefined {
    const shown = src.length > 80 ? `${src.slice(0, 77)}…` : src
    if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !/^[a-z]:[\\/]/i.test(src)) {
      const scheme = src.slice(0, src.indexOf(':')).toLowerCase()
      if (scheme === 'http' || scheme === 'https') {
        const why = this.allowRemote ? '--allow-remote-images is not implemented yet' : 'remote images are not downloaded'
        this.warn({code: 'image-remote', message: `remote image '${shown}' not fetched (${why}); alt text used`, line})
      } else {
        this.warn({code: 'image-scheme', message: `image '${shown}' uses a '${scheme}:' URL and is not read; alt text used`, line})
      }
      return undefined
    }
    if (src.startsWith('//')) {
      this.warn({code: 'image-remote', message: `remote image '${shown}' not fetched; alt text used`, line})
      return undefined
    }
    let decoded = src.split(/[?#]/)[0]!
    try {
      decoded = decodeURIComponent(decoded)
    } catch {
      // keep the raw path: a stray % is a legal file name character
    }
    const file = path.resolve(this.baseDir, decoded)
    if (!this.baseDir || !isInside(this.baseDir, file)) {
      this.warn({code: 'image-outside', message: `image '${shown}' is outside the manuscript's folder; not read, alt text used`, line})
      return undefined
    }
    const known = this.byFile.get(file)
    if (known !== undefined) return known?.href
    const asset = this.load(file, shown, line)
    this.byFile.set(file, asset ?? null)
    return asset?.href
  }

  private load(file: string, shown: string, line: number | undefined): Asset | undefined {
    let data: Uint8Array
    try {
      // Symlinks must not lead out of the folder either.
      const real = fs.realpathSync(file)
      if (!isInside(fs.realpathSync(this.baseDir), real)) {
        this.warn({code: 'image-outside', message: `image '${shown}' links outside the manuscript's folder; not read, alt text used`, line})
        return undefined
      }
      data = fs.readFileSync(real)
    } catch {
      this.warn({code: 'image-missing', message: `image '${shown}' not found; alt text used`, line})
      return undefined
    }
    const type = sniffImageType(data)
    if (!type) {
      this.warn({code: 'image-type', message: `image '${shown}' is not PNG, JPEG, GIF or SVG; alt text used`, line})
      return undefined
    }
    const hash = sha256(data).slice(0, 16)
    const existing = this.assets.find((a) => a.id === `img-${hash}`)
    if (existing) return existing
    const asset: Asset = {id: `img-${hash}`, href: `images/${hash}.${type.extension}`, mediaType: type.mediaType, data}
    this.assets.push(asset)
    return asset
  }
}
