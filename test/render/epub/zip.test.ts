import {unzipSync} from 'fflate'
import {crc32, inflateRawSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {packEpub} from '../../../src/render/epub/zip.js'

/** Local headers in file order, read at their fixed offsets (APPNOTE 4.3.7). */
function localHeaders(zip: Uint8Array) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const headers = []
  let at = 0
  while (view.getUint32(at, true) === 0x04034b50) {
    const compressedSize = view.getUint32(at + 18, true)
    const nameLength = view.getUint16(at + 26, true)
    const extraLength = view.getUint16(at + 28, true)
    const start = at + 30 + nameLength + extraLength
    headers.push({
      name: Buffer.from(zip.subarray(at + 30, at + 30 + nameLength)).toString('utf8'),
      flags: view.getUint16(at + 6, true),
      method: view.getUint16(at + 8, true),
      time: view.getUint16(at + 10, true),
      date: view.getUint16(at + 12, true),
      crc: view.getUint32(at + 14, true),
      size: view.getUint32(at + 22, true),
      extraLength,
      body: zip.subarray(start, start + compressedSize)
    })
    at = start + compressedSize
  }
  return headers
}

describe('packEpub', () => {
  const modified = new Date(Date.UTC(2024, 2, 9, 16, 5, 42))
  const text = '<p>第一段。</p>\n'.repeat(200)
  const zip = packEpub(
    [
      {path: 'META-INF/container.xml', data: '<container/>'},
      {path: 'OEBPS/章节.xhtml', data: text},
      {path: 'OEBPS/images/a.png', data: new Uint8Array([137, 80, 78, 71, 1, 2, 3]), store: true}
    ],
    modified
  )

  it('writes a zip another implementation reads back entry for entry, mimetype first', () => {
    const entries = unzipSync(zip)
    expect(Object.keys(entries)).toEqual(['mimetype', 'META-INF/container.xml', 'OEBPS/章节.xhtml', 'OEBPS/images/a.png'])
    expect(Buffer.from(entries['OEBPS/章节.xhtml']!).toString('utf8')).toBe(text)
    expect([...entries['OEBPS/images/a.png']!]).toEqual([137, 80, 78, 71, 1, 2, 3])
  })

  it('stamps every entry with the same UTC time, with CRCs and sizes of the content, no extra fields', () => {
    const headers = localHeaders(zip)
    expect(headers.map((h) => h.name)).toEqual(['mimetype', 'META-INF/container.xml', 'OEBPS/章节.xhtml', 'OEBPS/images/a.png'])
    for (const header of headers) {
      // 2024-03-09 16:05:42 UTC in MS-DOS form (seconds in steps of two).
      expect(header.date).toBe(((2024 - 1980) << 9) | (3 << 5) | 9)
      expect(header.time).toBe((16 << 11) | (5 << 5) | 21)
      expect(header.extraLength).toBe(0)
      expect(header.flags).toBe(0x0800)
      const content = header.method === 8 ? inflateRawSync(header.body) : Buffer.from(header.body)
      expect(content.length).toBe(header.size)
      expect(crc32(content)).toBe(header.crc)
    }
    expect(headers.map((h) => h.method)).toEqual([0, 0, 8, 0])
  })

  it('clamps times to what a zip can hold (1980 to 2107)', () => {
    const early = localHeaders(packEpub([], new Date(Date.UTC(1970, 0, 1))))[0]!
    expect(early.date).toBe((0 << 9) | (1 << 5) | 1)
    const late = localHeaders(packEpub([], new Date(Date.UTC(2300, 0, 1))))[0]!
    expect(late.date).toBe(((2107 - 1980) << 9) | (12 << 5) | 31)
  })

  it('is byte-identical for the same input and time', () => {
    const again = packEpub(
      [
        {path: 'META-INF/container.xml', data: '<container/>'},
        {path: 'OEBPS/章节.xhtml', data: text},
        {path: 'OEBPS/images/a.png', data: new Uint8Array([137, 80, 78, 71, 1, 2, 3]), store: true}
      ],
      modified
    )
    expect(Buffer.compare(Buffer.from(zip), Buffer.from(again))).toBe(0)
  })
})
