import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {decodeUtf8, firstInvalidByte, readSource} from '../src/source.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imprint-source-'))
function file(name: string, bytes: Uint8Array | string): string {
  const target = path.join(tmp, name)
  fs.writeFileSync(target, bytes)
  return target
}

describe('readSource', () => {
  it('reads UTF-8 with a BOM and CRLF line endings as plain LF text', () => {
    const source = readSource(file('bom.md', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# 标题\r\n\r\n正文\r\n')])))
    expect(source.text).toBe('# 标题\n\n正文\n')
  })

  it('names the byte offset of invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('# 标题\n'), Buffer.from([0xe4, 0xb8]), Buffer.from('ok')])
    const target = file('bad.md', bytes)
    // '# 标题\n' is 2 + 6 + 1 = 9 bytes; the truncated sequence starts there.
    expect(() => readSource(target)).toThrow(`${target}: not valid UTF-8 at byte 9`)
  })

  it('rejects UTF-16 with a BOM', () => {
    const target = file('utf16.md', Buffer.from('\ufeff# Title', 'utf16le'))
    expect(() => readSource(target)).toThrow(/not valid UTF-8 at byte 0.*UTF-16/)
  })

  it('rejects a NUL byte as binary', () => {
    const target = file('nul.md', Buffer.from('abc\u0000def'))
    expect(() => readSource(target)).toThrow('not valid UTF-8 at byte 3')
  })

  it('rejects empty and whitespace-only files', () => {
    expect(() => readSource(file('empty.md', ''))).toThrow(/empty/)
    expect(() => readSource(file('blank.md', ' \n\t\r\n'))).toThrow(/empty/)
  })

  it('says when the file is missing', () => {
    expect(() => readSource(path.join(tmp, 'nope.md'))).toThrow(/nope\.md: cannot read: no such file/)
  })
})

describe('firstInvalidByte', () => {
  it('finds overlong encodings and surrogates', () => {
    expect(firstInvalidByte(Uint8Array.from([0x41, 0xc0, 0x80]))).toBe(1)
    expect(firstInvalidByte(Uint8Array.from([0x41, 0x42, 0xed, 0xa0, 0x80]))).toBe(2)
    expect(firstInvalidByte(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]))).toBe(4)
  })

  it('agrees with the error decodeUtf8 throws', () => {
    expect(() => decodeUtf8(Uint8Array.from([0x61, 0x62, 0xff]), 'x.md')).toThrow('x.md: not valid UTF-8 at byte 2')
  })
})

describe('unsafe characters', () => {
  it('removes XML-forbidden controls and bidi overrides and says on which line', () => {
    const target = file('controls.md', '# 标题\n\nA\u0007B\u202Eevil\u202C\n\nok\u000B\n')
    const source = readSource(target)
    expect(source.text).toBe('# 标题\n\nABevil\n\nok\n')
    expect(source.removed).toEqual([
      {line: 3, codePoints: ['U+0007', 'U+202E', 'U+202C']},
      {line: 5, codePoints: ['U+000B']}
    ])
  })

  it('keeps tabs, zero-width joiners and ordinary text', () => {
    const text = '\tA\u200DB\u200C中文\n'
    expect(readSource(file('zwj.md', text)).text).toBe(text)
  })
})
