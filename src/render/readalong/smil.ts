/** SMIL 3.0 media overlay documents (EPUB 3 Media Overlays) and the clock values they use. */
import {escapeAttribute as attr} from '../epub/xml.js'

/** One paragraph (heading, list item, table row…) and its clip in the section audio. */
export interface Par {
  /** Id of the element in the content document. */
  elementId: string
  beginMs: number
  endMs: number
}

/** A SMIL full clock value with millisecond precision: `h:mm:ss.fff`. */
export function clock(ms: number): string {
  const total = Math.round(ms)
  const hours = Math.floor(total / 3_600_000)
  const minutes = Math.floor((total % 3_600_000) / 60_000)
  const seconds = Math.floor((total % 60_000) / 1000)
  const millis = total % 1000
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}.${String(millis).padStart(3, '0')}`
}

/** Milliseconds of a clock value written by `clock` (and the `12.5s` / `mm:ss.fff` forms). */
export function parseClock(value: string): number {
  const timecount = /^(\d+(?:\.\d+)?)(h|min|s|ms)?$/.exec(value)
  if (timecount) {
    const scale = {h: 3_600_000, min: 60_000, s: 1000, ms: 1}[timecount[2] ?? 's']!
    return Math.round(Number(timecount[1]) * scale)
  }
  const parts = value.split(':').map(Number)
  if (parts.length < 2 || parts.length > 3 || parts.some((n) => !Number.isFinite(n))) throw new Error(`not a SMIL clock value: ${value}`)
  const [h, m, s] = parts.length === 3 ? parts : [0, ...parts]
  return Math.round(((h! * 60 + m!) * 60 + s!) * 1000)
}

/** The overlay for one content document: a `<seq>` (the chapter's <section>, `sectionId`) of `<par>`s in reading order. */
export function smilDocument(textFile: string, sectionId: string, audioFile: string, pars: Par[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">',
    '<body>',
    `<seq id="seq-${attr(sectionId)}" epub:textref="${attr(`${textFile}#${sectionId}`)}">`
  ]
  for (const par of pars) {
    lines.push(
      `<par id="par-${attr(par.elementId)}">` +
        `<text src="${attr(`${textFile}#${par.elementId}`)}"/>` +
        `<audio src="${attr(audioFile)}" clipBegin="${clock(par.beginMs)}" clipEnd="${clock(par.endMs)}"/>` +
        '</par>'
    )
  }
  lines.push('</seq>', '</body>', '</smil>', '')
  return lines.join('\n')
}
