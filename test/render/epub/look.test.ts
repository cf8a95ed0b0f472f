/**
 * What a person sees: the cover, the title page and a chapter of the sample rendered by
 * headless Chromium from the unzipped EPUB. The PNGs stay in the temp folder printed below
 * for a human to open; the test checks they carry text (dark pixels), not a blank page.
 *
 * By hand:  chromium --headless --no-sandbox --disable-gpu --screenshot=/tmp/x.png \
 *             --window-size=800,1000 file:///path/to/unzipped/OEBPS/s02.xhtml
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fixtures, sample} from '../../support/paths.js'
import {buildFile, tempDir} from './support.js'
import {darkShare, decodePng} from './png.js'

function chromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      execFileSync('which', [name], {stdio: 'pipe'})
      return name
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium not found: install the Debian package chromium')
}

function screenshot(browser: string, page: string, png: string): void {
  execFileSync(
    browser,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${tempDir()}`, `--screenshot=${png}`, '--window-size=800,1000',
      `file://${page}`
    ],
    {stdio: 'pipe', timeout: 60_000}
  )
}

function unpack(entries: Record<string, Uint8Array>): string {
  const dir = tempDir()
  for (const [name, data] of Object.entries(entries)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    fs.writeFileSync(path.join(dir, name), data)
  }
  return dir
}

describe('rendered pages', () => {
  it('show the cover, title page and a chapter with visible text', async () => {
    const browser = chromium()
    const manuscript = fs.existsSync(sample) ? sample : path.join(fixtures, 'example/interview.md')
    const built = await buildFile(manuscript)
    const dir = unpack(built.entries)
    const shares: Record<string, number> = {}
    for (const page of ['cover', 'titlepage', 's02']) {
      const png = path.join(dir, `${page}.png`)
      screenshot(browser, path.join(dir, 'OEBPS', `${page}.xhtml`), png)
      shares[page] = darkShare(decodePng(new Uint8Array(fs.readFileSync(png))))
    }
    console.info(`screenshots in ${dir}: ${JSON.stringify(shares)}`)
    expect(shares.cover).toBeGreaterThan(0.5) // dark ground
    expect(shares.titlepage).toBeGreaterThan(0.002) // a title, not a blank page
    expect(shares.titlepage).toBeLessThan(0.2)
    expect(shares.s02).toBeGreaterThan(0.02) // a page of body text
    expect(shares.s02).toBeLessThan(0.5)
  }, 90_000)

  it('draw body text with the embedded font subset when --embed-fonts is on', async () => {
    const browser = chromium()
    const built = await buildFile(path.join(fixtures, 'example/interview.md'), {epub: {embedFonts: true}})
    const dir = unpack(built.entries)
    // Leave the embedded family as the only named font: with it the page is drawn in a serif,
    // without it the browser falls back to a sans-serif, so the two screenshots must differ.
    const css = path.join(dir, 'OEBPS/epub.css')
    fs.writeFileSync(css, fs.readFileSync(css, 'utf8').replace(/html\.cjk \{[^}]*\}/, 'html.cjk { font-family: "Noto Serif SC", sans-serif; }'))
    const page = path.join(dir, 'OEBPS/s01.xhtml')
    const withFont = path.join(dir, 'with.png')
    const without = path.join(dir, 'without.png')
    screenshot(browser, page, withFont)
    fs.writeFileSync(page, fs.readFileSync(page, 'utf8').replace('<link rel="stylesheet" type="text/css" href="fonts.css"/>', ''))
    screenshot(browser, page, without)
    const a = decodePng(new Uint8Array(fs.readFileSync(withFont)))
    const b = decodePng(new Uint8Array(fs.readFileSync(without)))
    let differing = 0
    for (let i = 0; i < a.rgb.length; i += 3) if (Math.abs(a.rgb[i]! - b.rgb[i]!) > 60) differing++
    console.info(`font screenshots in ${dir}: ${differing} pixels differ`)
    expect(darkShare(a)).toBeGreaterThan(0.01)
    expect(differing / (a.width * a.height)).toBeGreaterThan(0.005)
  }, 90_000)
})
