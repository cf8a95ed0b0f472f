/**
 * Images the book embeds. Only files inside the manuscript's folder are read; anything else
 * (outside paths, `file:` URLs, remote URLs) is reported and the caller falls back to alt text.
 */
import fs from 'node:fs'
import {sha256} from '../../util/hash.js'
import type {Warning} from '../../report.js'
import {locateLocalFile} from '../../util/local-file.js'

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

export class ImageStore {
  readonly assets: Asset[] = []
  private readonly byFile = new Map<string, Asset | null>()

  constructor(
    private readonly baseDir: string,
    private readonly warn: Warn
  ) {}

  /** The OEBPS-relative href for `src`, or undefined (already reported) when it cannot be embedded. */
  resolve(src: string, line: number | undefined): string | undefined {
    const located = locateLocalFile(src, this.baseDir)
    if (!located.ok) {
      this.warn({code: located.code, message: `image ${located.reason}; alt text used`, line})
      return undefined
    }
    const known = this.byFile.get(located.file)
    if (known !== undefined) return known?.href
    const asset = this.load(located.file, src, line)
    this.byFile.set(located.file, asset ?? null)
    return asset?.href
  }

  private load(file: string, src: string, line: number | undefined): Asset | undefined {
    const data: Uint8Array = fs.readFileSync(file)
    const type = sniffImageType(data)
    if (!type) {
      this.warn({code: 'image-type', message: `image '${src}' is not PNG, JPEG, GIF or SVG; alt text used`, line})
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
