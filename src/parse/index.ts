/**
 * Markdown → mdast. One processor for the whole project: CommonMark + GFM, YAML front
 * matter, and CJK-friendly emphasis (`**王毅：**答` is bold even though the closing `**`
 * follows punctuation, which plain CommonMark refuses).
 */
import type {Root} from 'mdast'
import remarkCjkFriendly from 'remark-cjk-friendly'
import remarkCjkFriendlyGfmStrikethrough from 'remark-cjk-friendly-gfm-strikethrough'
import remarkFrontmatter from 'remark-frontmatter'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import {unified} from 'unified'
import {VFile} from 'vfile'
import remarkCjkBreaks from './cjk-breaks.js'
import remarkDedupe, {type DedupeOptions, type DedupeReport} from './dedupe.js'

export {default as remarkDedupe} from './dedupe.js'
export {default as remarkCjkBreaks} from './cjk-breaks.js'

export interface TransformOptions {
  /** `false` turns repeated-paragraph removal off. */
  dedupe?: DedupeOptions | false
}

const parser = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkCjkFriendly)
  .use(remarkCjkFriendlyGfmStrikethrough)
  .use(remarkFrontmatter, ['yaml'])
  .freeze()

/** Markdown text → mdast, with positions. Front matter stays as a `yaml` node. */
export function parseMarkdown(text: string): Root {
  return parser.parse(text)
}

/** The transforms every edition wants: CJK-aware soft breaks, then repeated-paragraph removal. */
export function transform(tree: Root, options: TransformOptions = {}): {tree: Root; dedupe: DedupeReport | undefined} {
  const file = new VFile()
  const transforms = unified().use(remarkCjkBreaks)
  if (options.dedupe !== false) transforms.use(remarkDedupe, options.dedupe ?? {})
  const result = transforms.runSync(tree, file) as Root
  return {tree: result, dedupe: file.data.dedupe}
}
