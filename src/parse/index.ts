/**
 * Markdown → mdast. One syntax for the whole project: CommonMark + GFM (autolink literals,
 * footnotes, strikethrough, tables, task lists), YAML front matter, and CJK-friendly
 * emphasis (`**王毅：**答` is bold even though the closing `**` follows punctuation, which
 * plain CommonMark refuses).
 *
 * Each extension is given to the parser only when the text holds what its syntax starts
 * with (a table needs a `|`, a footnote `[^`…): an extension whose syntax cannot occur
 * cannot change the tree, but costs micromark time on every line or run of text. On a
 * transcript without links, tables or footnotes that is 15 % of the parse. Tests check that
 * the trees equal those of the full parser on the CommonMark and GFM examples and the corpus.
 */
import type {Root} from 'mdast'
import {gfmAutolinkLiteralFromMarkdown} from 'mdast-util-gfm-autolink-literal'
import {gfmFootnoteFromMarkdown} from 'mdast-util-gfm-footnote'
import {gfmStrikethroughFromMarkdown} from 'mdast-util-gfm-strikethrough'
import {gfmTableFromMarkdown} from 'mdast-util-gfm-table'
import {gfmTaskListItemFromMarkdown} from 'mdast-util-gfm-task-list-item'
import type {Extension as FromMarkdownExtension} from 'mdast-util-from-markdown'
import {gfmAutolinkLiteral} from 'micromark-extension-gfm-autolink-literal'
import {gfmFootnote} from 'micromark-extension-gfm-footnote'
import {gfmStrikethrough} from 'micromark-extension-gfm-strikethrough'
import {gfmTable} from 'micromark-extension-gfm-table'
import {gfmTaskListItem} from 'micromark-extension-gfm-task-list-item'
import type {Extension as MicromarkExtension} from 'micromark-util-types'
import remarkCjkFriendly from 'remark-cjk-friendly'
import remarkCjkFriendlyGfmStrikethrough from 'remark-cjk-friendly-gfm-strikethrough'
import remarkFrontmatter from 'remark-frontmatter'
import remarkParse from 'remark-parse'
import {unified, type Processor} from 'unified'
import {VFile} from 'vfile'
import remarkCjkBreaks from './cjk-breaks.js'
import remarkDedupe, {type DedupeOptions, type DedupeReport} from './dedupe.js'

export {default as remarkDedupe} from './dedupe.js'
export {default as remarkCjkBreaks} from './cjk-breaks.js'

export interface TransformOptions {
  /** `false` turns repeated-paragraph removal off. */
  dedupe?: DedupeOptions | false
}

type Parser = Processor<Root>

/** A syntax extension as a unified plugin: micromark's tokenizer and its mdast builder. */
function syntax(tokens: MicromarkExtension, tree: FromMarkdownExtension) {
  return function (this: Processor) {
    const data = this.data()
    ;(data.micromarkExtensions ??= []).push(tokens)
    ;(data.fromMarkdownExtensions ??= []).push(tree)
  }
}

/** The extensions, in the order remark-gfm and the plugins apply them, with what each needs. */
const EXTENSIONS: {needs: RegExp; use: (parser: Parser) => void}[] = [
  // www.…, http(s)://…, and e-mail addresses (also mailto:/xmpp:) need an @.
  {needs: /@|www\.|:\/\//i, use: (p) => p.use(syntax(gfmAutolinkLiteral(), gfmAutolinkLiteralFromMarkdown()))},
  {needs: /\[\^/, use: (p) => p.use(syntax(gfmFootnote(), gfmFootnoteFromMarkdown()))},
  {needs: /~/, use: (p) => p.use(syntax(gfmStrikethrough(), gfmStrikethroughFromMarkdown()))},
  {needs: /\|/, use: (p) => p.use(syntax(gfmTable(), gfmTableFromMarkdown()))},
  {needs: /\[[\t xX]\]/, use: (p) => p.use(syntax(gfmTaskListItem(), gfmTaskListItemFromMarkdown()))},
  // Emphasis and strong emphasis open with * or _.
  {needs: /[*_]/, use: (p) => p.use(remarkCjkFriendly)},
  {needs: /~/, use: (p) => p.use(remarkCjkFriendlyGfmStrikethrough)},
  // Front matter is a `---` fence on the first line.
  {needs: /^---/, use: (p) => p.use(remarkFrontmatter, ['yaml'])}
]

const parsers = new Map<number, Parser>()

/** The parser with the extensions in `mask` (bit i: EXTENSIONS[i]). */
function parserFor(mask: number): Parser {
  let parser = parsers.get(mask)
  if (!parser) {
    parser = unified().use(remarkParse) as unknown as Parser
    EXTENSIONS.forEach((extension, i) => {
      if (mask & (1 << i)) extension.use(parser!)
    })
    parser.freeze()
    parsers.set(mask, parser)
  }
  return parser
}

/** Markdown text → mdast, with positions. Front matter stays as a `yaml` node. */
export function parseMarkdown(text: string): Root {
  let mask = 0
  EXTENSIONS.forEach((extension, i) => {
    if (extension.needs.test(text)) mask |= 1 << i
  })
  return parserFor(mask).parse(text)
}

/** The transforms every edition wants: CJK-aware soft breaks, then repeated-paragraph removal. */
export function transform(tree: Root, options: TransformOptions = {}): {tree: Root; dedupe: DedupeReport | undefined} {
  const file = new VFile()
  const transforms = unified().use(remarkCjkBreaks)
  if (options.dedupe !== false) transforms.use(remarkDedupe, options.dedupe ?? {})
  const result = transforms.runSync(tree, file) as Root
  return {tree: result, dedupe: file.data.dedupe}
}
