/**
 * A generated cover: SVG text on a plain ground. The text is laid out here (greedy line
 * breaking with CJK characters as full-width) and drawn with the reader's serif/sans fonts, so
 * Chinese and Japanese titles render without any network access or bundled raster.
 */
import type {BookMeta} from '../../book/types.js'
import {escapeAttribute as attr, escapeText as text} from './xml.js'

const WIDTH = 600
const HEIGHT = 800
const MARGIN = 60

const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u

/** Width of a string in em, roughly: CJK full width, Latin about half. */
function emWidth(s: string): number {
  let width = 0
  for (const ch of s) width += WIDE.test(ch) ? 1 : /[A-Z0-9MW]/.test(ch) ? 0.62 : 0.5
  return width
}

/** Break into lines no wider than `maxEm`; Latin breaks at spaces, CJK between any characters. */
function greedyWrap(value: string, maxEm: number): string[] {
  const tokens = value.match(/[A-Za-z0-9\u00C0-\u024F'’\-.,:;!?()]+\s*|\s+|./gsu) ?? []
  const lines: string[] = []
  let line = ''
  for (const token of tokens) {
    if (line !== '' && emWidth((line + token).trimEnd()) > maxEm) {
      lines.push(line.trim())
      line = token.trimStart()
    } else {
      line += token
    }
  }
  if (line.trim() !== '') lines.push(line.trim())
  return lines
}

/** Greedy breaking, then balanced: the same number of lines, as even as they can be (no lone last character). */
export function wrapTitle(value: string, maxEm: number): string[] {
  const greedy = greedyWrap(value, maxEm)
  if (greedy.length < 2) return greedy
  let width = Math.ceil(emWidth(value) / greedy.length)
  while (width < maxEm) {
    const balanced = greedyWrap(value, width)
    if (balanced.length <= greedy.length) return balanced
    width += 0.5
  }
  return greedy
}

export function coverSvg(meta: BookMeta, standalone: boolean): string {
  const usable = WIDTH - 2 * MARGIN
  const titleSize = emWidth(meta.title) * 56 <= usable * 3 ? 56 : 44
  const titleLines = wrapTitle(meta.title, usable / titleSize).slice(0, 5)
  const subtitleSize = 28
  const subtitleLines = meta.subtitle ? wrapTitle(meta.subtitle, usable / subtitleSize).slice(0, 3) : []
  const parts: string[] = []
  let y = 260
  for (const line of titleLines) {
    parts.push(`<text class="cover-title" x="${WIDTH / 2}" y="${y}" font-size="${titleSize}" text-anchor="middle">${text(line)}</text>`)
    y += titleSize * 1.3
  }
  y += 20
  for (const line of subtitleLines) {
    parts.push(`<text class="cover-subtitle" x="${WIDTH / 2}" y="${y}" font-size="${subtitleSize}" text-anchor="middle">${text(line)}</text>`)
    y += subtitleSize * 1.4
  }
  if (meta.authors.length > 0) {
    parts.push(`<text class="cover-author" x="${WIDTH / 2}" y="${HEIGHT - 110}" font-size="26" text-anchor="middle">${text(meta.authors.join(' · '))}</text>`)
  }
  const serif = "'Noto Serif SC', 'Noto Serif CJK SC', 'Source Han Serif SC', 'Songti SC', SimSun, 'Noto Serif', serif"
  const prolog = standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''
  return `${prolog}<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" height="100%" preserveAspectRatio="xMidYMid meet" font-family="${attr(serif)}" xml:lang="${attr(meta.language)}">
<title>${text(meta.title)}</title>
<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#1f3a4d"/>
<rect x="30" y="30" width="${WIDTH - 60}" height="${HEIGHT - 60}" fill="none" stroke="#d8c79a" stroke-width="2"/>
<line x1="${MARGIN + 60}" y1="${HEIGHT - 160}" x2="${WIDTH - MARGIN - 60}" y2="${HEIGHT - 160}" stroke="#d8c79a" stroke-width="1"/>
<g fill="#f4efe1">
${parts.join('\n')}
</g>
</svg>`
}
