import fs from 'node:fs'
import path from 'node:path'
import type {Paragraph} from 'mdast'
import {toString} from 'mdast-util-to-string'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fixtures, have, sample} from '../../support/paths.js'
import {bookText, brokenCopy, buildFile, visibleText, buildText, countOccurrences, entryText, epubcheckAll, requireEpubcheck, spineDocuments, tempDir, type Built} from './support.js'

const EPOCH = '1700000000'
const constructsFile = path.join(fixtures, 'constructs/constructs.md')
const interviewFile = path.join(fixtures, 'example/interview.md')

let previousEpoch: string | undefined
beforeAll(() => {
  previousEpoch = process.env.SOURCE_DATE_EPOCH
  process.env.SOURCE_DATE_EPOCH = EPOCH
})
afterAll(() => {
  if (previousEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH
  else process.env.SOURCE_DATE_EPOCH = previousEpoch
})

/** Every chapter document joined, markup included. */
function chaptersMarkup(built: Built): string {
  return spineDocuments(built)
    .filter((name) => /\/s\d+\.xhtml$/.test(name))
    .map((name) => entryText(built, name))
    .join('\n')
}

/** Text of the section documents only (not cover, title page or contents). */
function chaptersText(built: Built): string {
  return spineDocuments(built)
    .filter((name) => /\/s\d+\.xhtml$/.test(name))
    .map((name) => visibleText(entryText(built, name)))
    .join('\n')
}

/** Paragraph texts the Book kept, everywhere a paragraph can stand (lists, quotes, footnotes). */
function keptParagraphs(built: Built): string[] {
  const found: string[] = []
  const walk = (node: {type: string; children?: unknown[]}) => {
    if (node.type === 'paragraph') found.push(toString(node as Paragraph))
    else for (const child of (node.children ?? []) as {type: string}[]) walk(child)
  }
  for (const section of built.loaded.book.sections) for (const node of section.nodes) walk(node)
  return found
}

describe('container', () => {
  it('puts mimetype first, stored, without extra field, then the package', async () => {
    const built = await buildFile(constructsFile)
    const view = new DataView(built.bytes.buffer, built.bytes.byteOffset)
    expect(view.getUint32(0, true)).toBe(0x04034b50)
    expect(view.getUint16(8, true)).toBe(0) // stored
    expect(view.getUint16(26, true)).toBe(8)
    expect(view.getUint16(28, true)).toBe(0) // no extra field
    expect(Buffer.from(built.bytes.subarray(30, 38)).toString()).toBe('mimetype')
    expect(Buffer.from(built.bytes.subarray(38, 58)).toString()).toBe('application/epub+zip')
    expect(Object.keys(built.entries).slice(0, 3)).toEqual(['mimetype', 'META-INF/container.xml', 'OEBPS/content.opf'])
    expect(built.file).toBe(path.join(path.dirname(built.file), 'constructs.epub'))
  })

  it('is byte-identical across builds with the same SOURCE_DATE_EPOCH, and changes with it', async () => {
    const first = await buildFile(constructsFile)
    const second = await buildFile(constructsFile)
    expect(Buffer.compare(Buffer.from(first.bytes), Buffer.from(second.bytes))).toBe(0)
    process.env.SOURCE_DATE_EPOCH = '1710000000'
    try {
      const later = await buildFile(constructsFile)
      expect(Buffer.compare(Buffer.from(first.bytes), Buffer.from(later.bytes))).not.toBe(0)
      expect(entryText(later, 'OEBPS/content.opf')).toContain('<meta property="dcterms:modified">2024-03-09T16:00:00Z</meta>')
    } finally {
      process.env.SOURCE_DATE_EPOCH = EPOCH
    }
  })
})

describe('the constructs fixture', () => {
  let built: Built
  beforeAll(async () => {
    built = await buildFile(constructsFile)
  })

  it('orders cover, title page, contents, then one document per section', () => {
    const spine = spineDocuments(built)
    expect(spine.slice(0, 3)).toEqual(['OEBPS/cover.xhtml', 'OEBPS/titlepage.xhtml', 'OEBPS/nav.xhtml'])
    expect(spine.slice(3)).toEqual(built.loaded.book.sections.map((s) => `OEBPS/${s.id}.xhtml`))
    const titlePage = entryText(built, 'OEBPS/titlepage.xhtml')
    expect(titlePage).toContain('<h1 class="title">排版样张</h1>')
    expect(titlePage).toContain('Markdown 各种结构的测试稿')
    expect(titlePage).toContain('测试组、Test Team')
  })

  it('renders every GFM construct as XHTML', () => {
    const html = chaptersMarkup(built)
    for (const fragment of [
      '<strong>粗体</strong>', '<em>斜体</em>', '<del>删除线</del>', '<code>行内代码</code>',
      '<a href="https://example.org/page" title="示例">链接</a>', '<h2 id="小节标题">小节标题</h2>',
      '<blockquote>\n<p>嵌套引用。</p>\n</blockquote>', '<hr/>', '<th class="align-right">数量</th>',
      '<td class="align-center"><strong>粗</strong></td>', '<pre><code class="language-js">// 代码块保持原样',
      '<span class="task">☑</span>', '<span class="task">☐</span>', '<br/>', '<a href="mailto:team@example.org">'
    ]) {
      expect(html).toContain(fragment)
    }
    // nested list: an <ol> inside an <li> inside a <ul>, and a <ul> inside that
    expect(html).toMatch(/<li>第二项\s*<ol>\s*<li>嵌套有序一<\/li>\s*<li>嵌套有序二\s*<ul>\s*<li>更深一层<\/li>/)
    expect(html).not.toContain('<input')
  })

  it('makes footnotes EPUB 3 footnotes with back links', () => {
    const chapter = entryText(built, 'OEBPS/s01.xhtml')
    expect(chapter).toMatch(/<a href="#imprint-fn-1" id="imprint-fnref-1" class="noteref" epub:type="noteref"[^>]*>1<\/a>/)
    expect(chapter).toMatch(/<aside id="imprint-fn-1" class="footnote" epub:type="footnote"[^>]*><p>.*这是第一个脚注，含有<strong>强调<\/strong>。 <a href="#imprint-fnref-1" class="backlink"/)
    expect(chapter).toMatch(/<aside id="imprint-fn-2"[^>]*>.*Second footnote with a <a href="https:\/\/example.org\/">link<\/a>/)
  })

  it('sanitises raw HTML: no script, no event handlers', () => {
    const html = chaptersMarkup(built)
    expect(html).not.toMatch(/<script|onclick|alert\(/)
    expect(html).toContain('<div><p>块级 HTML 段落</p></div>')
    expect(html).toContain('<span class="mark">标记</span>')
  })

  it('embeds the local image with its media type and reports remote and outside ones', () => {
    const opf = entryText(built, 'OEBPS/content.opf')
    const item = /<item id="img-[0-9a-f]+" href="(images\/[0-9a-f]+\.png)" media-type="image\/png"\/>/.exec(opf)
    expect(item).not.toBeNull()
    expect(built.entries[`OEBPS/${item![1]}`]).toEqual(new Uint8Array(fs.readFileSync(path.join(fixtures, 'constructs/pixel.png'))))
    expect(entryText(built, 'OEBPS/s03.xhtml')).toContain(`<img src="${item![1]}" alt="本地图片"/>`)
    const codes = built.warnings.map((w) => [w.code, w.line])
    expect(codes).toContainEqual(['image-remote', 58])
    expect(codes).toContainEqual(['image-outside', 60])
    const text = bookText(built)
    expect(text).toContain('远程图片')
    expect(text).toContain('越界图片')
    expect(chaptersMarkup(built)).not.toMatch(/example\.org\/remote\.png|outside\.png/)
  })

  it('writes title, subtitle, authors, language, identifier, modified date and accessibility metadata', () => {
    const opf = entryText(built, 'OEBPS/content.opf')
    const meta = built.loaded.book.meta
    expect(opf).toContain(`<dc:identifier id="bookid">${meta.identifier}</dc:identifier>`)
    expect(opf).toContain('<dc:title id="title">排版样张</dc:title>')
    expect(opf).toContain('<meta refines="#subtitle" property="title-type">subtitle</meta>')
    expect(opf).toContain('<dc:creator id="creator1">测试组</dc:creator>')
    expect(opf).toContain('<dc:creator id="creator2">Test Team</dc:creator>')
    expect(opf).toContain('<dc:language>zh-CN</dc:language>')
    expect(opf).toContain('<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>')
    for (const property of ['accessMode', 'accessModeSufficient', 'accessibilityFeature', 'accessibilityHazard', 'accessibilitySummary']) {
      expect(opf).toContain(`<meta property="schema:${property}">`)
    }
    expect(entryText(built, 'OEBPS/s01.xhtml')).toContain('xml:lang="zh-CN" lang="zh-CN" class="cjk"')
  })

  it('lists every section in the nav document and the NCX', () => {
    const nav = entryText(built, 'OEBPS/nav.xhtml')
    const ncx = entryText(built, 'OEBPS/toc.ncx')
    for (const section of built.loaded.book.sections) {
      expect(nav).toContain(`<a href="${section.id}.xhtml">${section.title}</a>`)
      expect(ncx).toContain(`<text>${section.title}</text></navLabel><content src="${section.id}.xhtml"/>`)
    }
    expect(ncx).toContain(`<meta name="dtb:uid" content="${built.loaded.book.meta.identifier}"/>`)
  })

  it('generates a cover carrying the title as SVG text', () => {
    const cover = entryText(built, 'OEBPS/cover.xhtml')
    expect(cover).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*>排版样张<\/text>/)
    expect(cover).toContain('Markdown 各种结构的测试稿')
    expect(entryText(built, 'OEBPS/content.opf')).toMatch(/href="cover.xhtml" media-type="application\/xhtml\+xml" properties="svg"/)
    expect(entryText(built, 'OEBPS/content.opf')).toMatch(/href="images\/cover.svg" media-type="image\/svg\+xml" properties="cover-image"/)
  })
})

describe('the interview fixture', () => {
  let built: Built
  beforeAll(async () => {
    built = await buildFile(interviewFile)
  })

  it('marks speaker turns up with a labelled element and question/answer classes', () => {
    const html = chaptersMarkup(built)
    expect(html).toContain('<p class="turn turn-question"><span class="speaker">城南晚报记者：</span>新馆为什么没有建在新区')
    expect(html).toContain('<p class="turn turn-answer"><span class="speaker">林素秋：</span>老城区住着')
    expect(html).toContain('<p class="turn turn-question"><span class="speaker">Reporter:</span>')
    const css = entryText(built, 'OEBPS/epub.css')
    expect(css).toMatch(/p\.turn-question\s*\{[^}]*border-left/)
  })

  it('keeps every kept paragraph exactly as often as the book has it, and drops every removed repeat', () => {
    const text = chaptersText(built)
    const kept = keptParagraphs(built)
    const keptJoined = kept.join('\n')
    expect(kept.length).toBeGreaterThan(10)
    for (const paragraph of kept) expect(countOccurrences(text, paragraph), paragraph).toBe(countOccurrences(keptJoined, paragraph))
    // Long paragraphs are unique in this manuscript once repeats are removed.
    for (const paragraph of kept.filter((p) => p.length > 20)) expect(countOccurrences(text, paragraph), paragraph).toBe(1)
    expect(built.loaded.removed.length).toBeGreaterThanOrEqual(3)
    for (const removed of built.loaded.removed) {
      expect(countOccurrences(text, removed.text.replace(/…$/, '')), removed.text).toBe(1)
    }
  })

  it('joins CJK lines wrapped in the source without a space', () => {
    const text = bookText(built)
    expect(text).toContain('借期从三十天延长到四十五天')
    expect(text).not.toMatch(/延长到\s+四十五天/)
  })

  it('uses the front-matter identifier, publisher and date', () => {
    const opf = entryText(built, 'OEBPS/content.opf')
    expect(opf).toContain('<dc:identifier id="bookid">urn:uuid:6a0f3c52-8d1e-4b7a-9c55-2f1e0d9b7a10</dc:identifier>')
    expect(opf).toContain('<dc:publisher>城南图书馆</dc:publisher>')
    expect(opf).toContain('<dc:date>2026-03-15</dc:date>')
  })
})

describe.skipIf(!have(sample, 'the press-conference sample'))('the press-conference sample', () => {
  it('keeps every paragraph once and joins every CJK soft line break', async () => {
    const built = await buildFile(sample)
    const text = chaptersText(built)
    const kept = keptParagraphs(built)
    const keptJoined = kept.join('\n')
    for (const paragraph of kept) expect(countOccurrences(text, paragraph), paragraph).toBe(countOccurrences(keptJoined, paragraph))
    for (const removed of built.loaded.removed) {
      expect(countOccurrences(text, removed.text.replace(/…$/, '')), removed.text).toBe(countOccurrences(keptJoined, removed.text.replace(/…$/, '')))
    }
    // Every place where a source line ends and the next begins with a Han character must read joined.
    const lines = fs.readFileSync(sample, 'utf8').split('\n')
    let joins = 0
    for (let i = 0; i + 1 < lines.length; i++) {
      const end = /(\p{Script=Han}{2})$/u.exec(lines[i]!)
      const start = /^(\p{Script=Han}{2})/u.exec(lines[i + 1]!)
      if (end && start) {
        joins++
        expect(text).toContain(end[1]! + start[1]!)
      }
    }
    expect(built.loaded.book.sections).toHaveLength(11)
    expect(spineDocuments(built)).toHaveLength(14)
    if (joins === 0) console.warn('the sample has no CJK soft line breaks to check')
  })
})

describe('hostile and tricky input', () => {
  const hostile = [
    '# 安全测试', '', '## 第一节', '',
    '<iframe src="https://evil.example"></iframe><form action="/x"><input name="a"><button>按钮</button></form>', '',
    '<p onclick="steal()" style="color:red" onmouseover="x()">事件处理器</p>', '',
    '<img src="javascript:alert(1)" alt="坏图"> <a href="javascript:alert(2)">坏链接</a> <img src="file:///etc/passwd" alt="本机文件">', '',
    '控制字符\u0001在这里\uD800结束。', '',
    '<a name="old-anchor"></a>旧锚点。<span id="here">这里</span>', '',
    '见[第二节](#第二节)、[这里](#here)、[旧锚](#old-anchor)、[不存在](#nowhere)、[别的文件](other.md)、[网页](<https://example.org/a b>)。', '',
    '## 第二节', '', '### 1. 重复', '', '文字。', '', '### 1. 重复', '', '文字二。', ''
  ].join('\n')

  it('removes frames, forms, handlers, javascript: and forbidden characters, and reports them', async () => {
    const built = await buildText(hostile)
    const html = chaptersMarkup(built)
    expect(html).not.toMatch(/<iframe|<form|<input|<button|onclick|onmouseover|style=|javascript:|file:|\u0001|\uD800/)
    expect(html).toContain('事件处理器')
    expect(bookText(built)).toContain('控制字符在这里结束。')
    const codes = built.warnings.map((w) => w.code)
    expect(codes).toContain('xml-forbidden-char')
    expect(codes).toContain('image-scheme')
    expect(codes).toContain('image-unsafe')
  })

  it('points fragment links at the right document and keeps dead links as text', async () => {
    const built = await buildText(hostile)
    const first = entryText(built, 'OEBPS/s01.xhtml')
    expect(first).toContain('<a href="s02.xhtml#第二节">第二节</a>')
    expect(first).toContain('<a href="#here">这里</a>')
    expect(first).toContain('<a href="#old-anchor">旧锚</a>')
    expect(first).toContain('<a id="old-anchor"></a>')
    expect(first).toContain('<a href="https://example.org/a%20b">网页</a>')
    expect(first).toMatch(/、不存在、别的文件、/)
    const codes = built.warnings.map((w) => [w.code, w.line])
    expect(codes).toContainEqual(['link-anchor', 15])
    expect(codes).toContainEqual(['link-local', 15])
  })

  it('places a shared footnote once, links later references to it, and reports unused notes', async () => {
    const built = await buildText('# T\n\n## A\n\nOne[^n].\n\n## B\n\nTwo[^n].\n\n[^n]: Shared note.\n\n[^x]: Never used.\n')
    expect(entryText(built, 'OEBPS/s01.xhtml')).toContain('<aside id="imprint-fn-1"')
    expect(entryText(built, 'OEBPS/s02.xhtml')).toContain('<a href="s01.xhtml#imprint-fn-1" id="imprint-fnref-1-2" class="noteref"')
    expect(entryText(built, 'OEBPS/s02.xhtml')).not.toContain('<aside')
    expect(countOccurrences(chaptersText(built), 'Shared note.')).toBe(1)
    expect(chaptersText(built)).not.toContain('Never used.')
    expect(built.warnings).toContainEqual({code: 'footnote-unused', message: 'footnote [^x] is never referenced; left out', line: 13})
  })

  it('gives repeated and digit-first headings unique XML ids', async () => {
    const built = await buildText(hostile)
    const second = entryText(built, 'OEBPS/s02.xhtml')
    const ids = [...second.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[\p{L}_][\p{L}\p{M}\p{N}_.\-]*$/u)
  })

  it('gives Latin books Latin defaults and CJK books the clreq defaults', async () => {
    const latin = await buildText('# A Book\n\n## One\n\nFirst paragraph.\n\nSecond paragraph.\n\n## Two\n\nMore.\n')
    expect(entryText(latin, 'OEBPS/s01.xhtml')).toContain('class="latin"')
    const css = entryText(latin, 'OEBPS/epub.css')
    expect(css).toMatch(/\.latin p\s*\{[^}]*hyphens:\s*auto/)
    expect(css).toMatch(/\.latin h1 \+ p[^{]*\{\s*text-indent:\s*0/)
    expect(css).toMatch(/\.cjk p\s*\{\s*text-indent:\s*2em/)
    expect(css).toMatch(/\.cjk body\s*\{[^}]*line-height:\s*1\.7/)
    expect(css).toMatch(/html\.cjk\s*\{[^}]*font-family:[^}]*Song/)
  })
})

describe('scale', () => {
  it('renders a 1 MB book with 1,200 sections in a few seconds, every section in the nav', async () => {
    const parts = ['# 大书', '']
    for (let i = 1; i <= 1200; i++) {
      parts.push(`## 第${i}节 标题`, '', `第${i}节的正文${'这是一段足够长的中文文字，用来把书撑到一兆字节左右。'.repeat(14)}见[下一节](#第${i + 1}节-标题)。`, '')
    }
    const markdown = parts.join('\n')
    expect(Buffer.byteLength(markdown)).toBeGreaterThan(1_000_000)
    const file = path.join(tempDir(), 'big.md')
    const {loadText} = await import('../../../src/load.js')
    const {renderEpub} = await import('../../../src/render/epub/index.js')
    const loaded = loadText(markdown, file)
    const started = performance.now()
    await renderEpub({book: loaded.book, options: loaded.options, outDir: path.dirname(file), name: 'big', warn: () => {}, progress: () => {}})
    const ms = performance.now() - started
    expect(ms).toBeLessThan(8000)
    const {unzipSync, strFromU8} = await import('fflate')
    const entries = unzipSync(new Uint8Array(fs.readFileSync(path.join(path.dirname(file), 'big.epub'))))
    const nav = strFromU8(entries['OEBPS/nav.xhtml']!)
    expect(countOccurrences(nav, '<li><a href="s')).toBe(1200)
    expect(strFromU8(entries['OEBPS/s0001.xhtml']!)).toContain('<a href="s0002.xhtml#第2节-标题">下一节</a>')
  }, 60_000)
})

describe('images and the stylesheet option', () => {
  it('reads images only from inside the manuscript folder, by content type, once each', async () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, 'img'))
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), path.join(dir, 'img/a.png'))
    fs.writeFileSync(path.join(dir, 'fake.png'), 'not an image')
    const outside = path.join(tempDir(), 'secret.png')
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), outside)
    fs.symlinkSync(outside, path.join(dir, 'link.png'))
    const markdown = '# T\n\n## A\n\n![一](img/a.png) ![二](./img/a.png) ![假](fake.png) ![链](link.png) ![无](missing.png) ![本机](file:///etc/passwd)\n\n## B\n\nx\n'
    const built = await buildText(markdown, {}, path.join(dir, 'images.md'))
    const images = Object.keys(built.entries).filter((name) => name.startsWith('OEBPS/images/') && !name.endsWith('cover.svg'))
    expect(images).toHaveLength(1)
    const codes = built.warnings.map((w) => w.code).sort()
    expect(codes).toEqual(['image-missing', 'image-outside', 'image-scheme', 'image-type'])
    const text = bookText(built)
    for (const alt of ['假', '链', '无', '本机']) expect(text).toContain(alt)
  })

  it('uses a stylesheet named by the epub.stylesheet option instead of the template', async () => {
    const css = path.join(tempDir(), 'house.css')
    fs.writeFileSync(css, 'p { color: #123456; }\n')
    const built = await buildText('# T\n\n## A\n\nx\n\n## B\n\ny\n', {epub: {embedFonts: false, stylesheet: css}})
    expect(entryText(built, 'OEBPS/epub.css')).toBe('p { color: #123456; }\n')
  })
})

describe('package assembly', () => {
  it('is rendered from our templates, keeping markup epub-gen-memory\'s fixHTML would drop and naming images by content', async () => {
    const dir = tempDir()
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), path.join(dir, 'pixel.png'))
    const markdown = '# T\n\n## A\n\n3. three\n4. four\n\n<img src="pixel.png" width="10" alt="p"> <time datetime="2026-01-02">Jan</time>\n\n## B\n\nx\n'
    const built = await buildText(markdown, {}, path.join(dir, 'assembly.md'))
    expect(entryText(built, 'META-INF/container.xml')).toContain('<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>')
    const first = entryText(built, 'OEBPS/s01.xhtml')
    expect(first).toContain('<ol start="3">')
    expect(first).toMatch(/<img src="images\/[0-9a-f]{16}\.png" width="10" alt="p"\/>/)
    expect(first).toContain('<time datetime="2026-01-02">Jan</time>')
    // Only our names: no random image names, nothing the manifest does not list.
    expect(Object.keys(built.entries).filter((name) => name.startsWith('OEBPS/images/')).sort()).toEqual(
      [...entryText(built, 'OEBPS/content.opf').matchAll(/href="(images\/[^"]+)"/g)].map((m) => `OEBPS/${m[1]}`).sort()
    )
  })
})

describe('covers and front matter', () => {
  it('uses the user cover image when one is given', async () => {
    const dir = tempDir()
    fs.copyFileSync(path.join(fixtures, 'constructs/pixel.png'), path.join(dir, 'cover.png'))
    const built = await buildText('---\ntitle: Covered\ncover: cover.png\n---\n\n## One\n\nText.\n\n## Two\n\nMore.\n', {}, path.join(dir, 'covered.md'))
    const opf = entryText(built, 'OEBPS/content.opf')
    const item = /<item id="(img-[0-9a-f]+)" href="(images\/[0-9a-f]+\.png)" media-type="image\/png" properties="cover-image"\/>/.exec(opf)
    expect(item).not.toBeNull()
    expect(opf).toContain(`<meta name="cover" content="${item![1]}"/>`)
    expect(entryText(built, 'OEBPS/cover.xhtml')).toContain(`<img src="${item![2]}" alt="Covered"/>`)
    expect(built.entries['OEBPS/images/cover.svg']).toBeUndefined()
  })

  it('names an untitled opening section in the contents', async () => {
    const built = await buildText('# A Book\n\nOpening words.\n\n## One\n\nFirst.\n\n## Two\n\nSecond.\n')
    const nav = entryText(built, 'OEBPS/nav.xhtml')
    expect(nav).toContain('<a href="s01.xhtml">Preface</a>')
    expect(nav).toContain('<a href="s02.xhtml">One</a>')
  })
})

describe('--embed-fonts', () => {
  it('embeds WOFF subsets of the bundled fonts holding exactly the characters the book draws', async () => {
    const built = await buildFile(interviewFile, {epub: {embedFonts: true}})
    const opf = entryText(built, 'OEBPS/content.opf')
    const css = entryText(built, 'OEBPS/fonts.css')
    expect(css).toContain('font-family: "Noto Serif SC";')
    expect(css).toContain('src: url("fonts/serif-regular.woff") format("woff");')
    expect(opf).toMatch(/href="fonts\/serif-regular.woff" media-type="font\/woff"/)
    expect(entryText(built, 'OEBPS/s01.xhtml')).toContain('<link rel="stylesheet" type="text/css" href="fonts.css"/>')
    const fontkit = await import('fontkit')
    const serif = fontkit.create(Buffer.from(built.entries['OEBPS/fonts/serif-regular.woff']!))
    expect(serif.familyName).toBe('Noto Serif SC')
    const chars = new Set([...chaptersText(built)].filter((c) => /\p{Script=Han}/u.test(c)))
    for (const char of chars) expect(serif.hasGlyphForCodePoint(char.codePointAt(0)!), char).toBe(true)
    expect(serif.hasGlyphForCodePoint('龘'.codePointAt(0)!)).toBe(false) // not in the book, so not in the subset
    expect(serif.numGlyphs).toBeLessThan(chars.size * 3 + 300)
    const fontBytes = Object.entries(built.entries).filter(([name]) => name.startsWith('OEBPS/fonts/')).reduce((n, [, data]) => n + data.length, 0)
    expect(fontBytes).toBeGreaterThan(20_000)
    expect(fontBytes).toBeLessThan(1_000_000)
    const again = await buildFile(interviewFile, {epub: {embedFonts: true}})
    expect(Buffer.compare(Buffer.from(built.bytes), Buffer.from(again.bytes))).toBe(0)
  }, 60_000)
})

describe('EPUBCheck', () => {
  it('reports 0 errors and 0 warnings for the fixtures, the sample and hostile input', async () => {
    requireEpubcheck()
    const files = [(await buildFile(constructsFile)).file, (await buildFile(interviewFile)).file]
    if (fs.existsSync(sample)) files.push((await buildFile(sample)).file)
    else console.warn(`skipping the sample in EPUBCheck: ${sample} not found`)
    const hostile = await buildText(
      '# 测试\n\n## 一\n\n<div onclick="x()"><p>块<span id="a">内</span></p></div> [链接](#二) <a name="n"></a>甲[^a]\n\n控制\u0001字符。\n\n## 二\n\n### 1 重复\n\n### 1 重复\n\n文字[^a]。\n\n[^a]: 注。\n'
    )
    files.push(hostile.file)
    const withFonts = await buildFile(constructsFile, {epub: {embedFonts: true}}, tempDir())
    files.push(withFonts.file)
    const broken = brokenCopy(withFonts.file)
    const results = await epubcheckAll([...files, broken])
    // The harness must see problems when there are some.
    expect(results.get(broken)?.errors).toBeGreaterThan(0)
    results.delete(broken)
    expect([...results.keys()].sort()).toEqual([...files].sort())
    for (const [file, result] of results) {
      expect({file: path.basename(file), status: result.status, fatals: result.fatals, errors: result.errors, warnings: result.warnings}, result.output).toEqual({
        file: path.basename(file),
        status: 0,
        fatals: 0,
        errors: 0,
        warnings: 0
      })
    }
  }, 120_000)
})
