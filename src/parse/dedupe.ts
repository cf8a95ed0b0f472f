/**
 * remarkDedupe: remove repeated paragraphs, keep the first occurrence, report the rest.
 *
 * Paragraphs are compared by their text after normalisation: Unicode NFKC, inline
 * Markdown (emphasis, links, code) reduced to its text, all white space removed.
 *
 * What it does not do: it never removes headings, code blocks, list items, table
 * cells or footnote text, and never a paragraph shorter than `minLength` characters
 * after normalisation (short replies such as 「谢谢。」 are legitimate repeats). By
 * default only exact repeats go: two paragraphs that differ in one number both stay.
 *
 * The report lands in `file.data.dedupe`.
 */
import type {BlockContent, Paragraph, Parent, Root} from 'mdast'
import {toString} from 'mdast-util-to-string'
import type {VFile} from 'vfile'

export interface DedupeOptions {
  /** Paragraphs shorter than this many characters (after normalisation) are kept. Default 12. */
  minLength?: number
  /**
   * Near-duplicate threshold in (0, 1]: a paragraph whose character-trigram Jaccard
   * similarity to an earlier kept paragraph reaches it is removed too. Default: off.
   */
  similarity?: number | null
}

export interface DedupeRemoval {
  /** 1-based line of the removed paragraph. */
  line: number
  /** Line of the kept first occurrence. */
  firstLine: number
  /** The first ~40 characters of the removed paragraph. */
  text: string
  /** 1 for an exact repeat. */
  similarity: number
}

export interface DedupeReport {
  /** Paragraphs that took part in the comparison. */
  compared: number
  removed: DedupeRemoval[]
}

declare module 'vfile' {
  interface DataMap {
    dedupe: DedupeReport
  }
}

/** The comparison key of a paragraph: NFKC text with all white space removed. */
export function paragraphKey(node: Paragraph): string {
  return toString(node).normalize('NFKC').replace(/\s+/gu, '')
}

/** A short, readable excerpt of a paragraph for reports. */
export function excerpt(node: Paragraph, length = 40): string {
  const text = toString(node).replace(/\s+/gu, ' ').trim()
  const chars = [...text]
  return chars.length > length ? chars.slice(0, length).join('') + '…' : text
}

interface Kept {
  line: number
  shingles: Set<string>
}

export default function remarkDedupe(options: DedupeOptions = {}) {
  const minLength = options.minLength ?? 12
  const similarity = options.similarity ?? null
  if (similarity !== null && !(similarity > 0 && similarity <= 1)) {
    throw new RangeError(`remarkDedupe: similarity must be in (0, 1], got ${similarity}`)
  }

  return (tree: Root, file: VFile) => {
    const seen = new Map<string, number>()
    const near = similarity === null ? undefined : new NearIndex(similarity)
    const report: DedupeReport = {compared: 0, removed: []}

    const visit = (parent: Parent): void => {
      const kept: typeof parent.children = []
      for (const child of parent.children) {
        if (child.type === 'paragraph') {
          const removal = judge(child)
          if (removal) {
            report.removed.push(removal)
            continue
          }
        } else if (child.type === 'blockquote') {
          visit(child)
          // A quote left with nothing in it goes too; its paragraphs are reported.
          if (child.children.length === 0) continue
        }
        kept.push(child)
      }
      parent.children = kept as BlockContent[]
    }

    const judge = (node: Paragraph): DedupeRemoval | undefined => {
      const key = paragraphKey(node)
      if ([...key].length < minLength) return undefined
      report.compared++
      const line = node.position?.start.line ?? 0
      const first = seen.get(key)
      if (first !== undefined) return {line, firstLine: first, text: excerpt(node), similarity: 1}
      if (near) {
        const match = near.find(key)
        if (match) return {line, firstLine: match.line, text: excerpt(node), similarity: match.score}
        near.add(key, line)
      }
      seen.set(key, line)
      return undefined
    }

    visit(tree)
    file.data.dedupe = report
  }
}

/**
 * Near-duplicate lookup by character trigrams. An inverted index finds candidates that
 * share trigrams, so the cost follows the number of similar paragraphs, not all pairs.
 */
class NearIndex {
  private readonly kept: Kept[] = []
  private readonly postings = new Map<string, number[]>()
  constructor(private readonly threshold: number) {}

  add(key: string, line: number): void {
    const shingles = trigrams(key)
    const id = this.kept.push({line, shingles}) - 1
    for (const s of shingles) {
      const list = this.postings.get(s)
      if (list) list.push(id)
      else this.postings.set(s, [id])
    }
  }

  find(key: string): {line: number; score: number} | undefined {
    const shingles = trigrams(key)
    const shared = new Map<number, number>()
    for (const s of shingles) {
      for (const id of this.postings.get(s) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1)
    }
    let best: {line: number; score: number} | undefined
    for (const [id, count] of shared) {
      const other = this.kept[id]!
      const score = count / (shingles.size + other.shingles.size - count)
      if (score >= this.threshold && (!best || score > best.score)) best = {line: other.line, score}
    }
    return best
  }
}

function trigrams(key: string): Set<string> {
  const chars = [...key]
  const set = new Set<string>()
  if (chars.length < 3) set.add(key)
  for (let i = 0; i + 3 <= chars.length; i++) set.add(chars[i]! + chars[i + 1]! + chars[i + 2]!)
  return set
}
