/**
 * A cheap, linear guard against absurdly deep block nesting, run before the parser.
 *
 * micromark's cost per line grows with the number of open containers (block quotes,
 * list items), so 2,000 nested lists take minutes to parse, and every later stage walks
 * the tree recursively. No real manuscript nests blocks more than a dozen levels, so
 * input nested deeper than MAX_NESTING is refused (exit 2, naming the line) instead of
 * being half-parsed or flattened behind the author's back.
 *
 * The estimate is per line and errs on the generous side: it counts the `>` markers and
 * list markers that open the line, plus one level per two columns of indentation in
 * front of a list marker (the least a nested list needs). Lines inside fenced code
 * blocks are not counted, so a row of `>>>>` in a code sample is harmless.
 */

/** Deepest nesting of block quotes and lists accepted. */
export const MAX_NESTING = 64

/**
 * Longest run of `*` or `_` accepted outside code (a line of nothing else, a thematic
 * break, is fine). micromark matches emphasis delimiters in quadratic time: a run of
 * 10,000 stars on each side takes 16 s, 20,000 take 76 s and then overflow the stack.
 */
export const MAX_DELIMITER_RUN = 200

export interface DeepNesting {
  /** 1-based line where the limit is first exceeded. */
  line: number
  /** Estimated nesting depth on that line (or the length of the delimiter run). */
  depth: number
  /** `nesting`: block quotes and lists; `delimiters`: a run of emphasis delimiters. */
  kind?: 'nesting' | 'delimiters'
}

const LONG_RUN = new RegExp(`[*_]{${MAX_DELIMITER_RUN + 1},}`)

const FENCE = /^(?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*(`{3,}|~{3,})/

/** The first line nested deeper than `limit`, or undefined. Linear in the length of `text`. */
export function findDeepNesting(text: string, limit = MAX_NESTING): DeepNesting | undefined {
  let fence: string | undefined
  let lineNumber = 0
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    lineNumber++
    const line = text.slice(start, end)
    start = end + 1
    const opens = FENCE.exec(line)?.[1]
    if (fence !== undefined) {
      if (opens && opens[0] === fence[0] && opens.length >= fence.length) fence = undefined
      continue
    }
    const depth = lineDepth(line, limit)
    if (depth > limit) return {line: lineNumber, depth, kind: 'nesting'}
    const run = LONG_RUN.exec(line)
    if (run && !/^[ \t>]*([-*_])(?:[ \t]*\1)*[ \t]*$/.test(line)) return {line: lineNumber, depth: run[0].length, kind: 'delimiters'}
    if (opens) fence = opens
  }
  return undefined
}

/** Estimated container depth at the start of one line; stops counting past `limit`. */
function lineDepth(line: string, limit: number): number {
  let depth = 0
  let i = 0
  let column = 0
  let first = true
  while (i < line.length && depth <= limit) {
    const indentFrom = column
    // Indentation: tabs advance to the next multiple of 4.
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) {
      column = line[i] === '\t' ? column + 4 - (column % 4) : column + 1
      i++
    }
    const ch = line[i]
    if (ch === '>') {
      depth++
      i++
      column++
    } else {
      // `- - -` and `* * *` are thematic breaks, not lists.
      if (/^([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(line.slice(i))) break
      const marker = /^(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)/.exec(line.slice(i, i + 11))
      if (!marker) break
      // Indentation before the first marker: nested list items sit ≥ 2 columns deeper per level.
      if (first) depth += Math.floor((column - indentFrom) / 2)
      depth++
      i += marker[0].length
      column += marker[0].length
    }
    first = false
  }
  return depth
}

/**
 * Deepest tree accepted after parsing. Inline nesting (`***…x…***` opens one emphasis per
 * two stars) is not caught by the line guard; every later stage walks the tree
 * recursively, and 1,500 levels are known to pass all of them, so 500 leaves a margin.
 */
export const MAX_TREE_DEPTH = 500

interface Positioned {
  children?: Positioned[]
  position?: {start: {line: number}}
}

/** The first node deeper than `limit` (iteratively, so the check itself cannot overflow). */
export function findDeepNode(tree: Positioned, limit = MAX_TREE_DEPTH): DeepNesting | undefined {
  const stack: [Positioned, number][] = [[tree, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > limit) return {line: node.position?.start.line ?? 1, depth}
    for (const child of node.children ?? []) stack.push([child, depth + 1])
  }
  return undefined
}

/** Whether `error` is V8's stack overflow. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack size/i.test(error.message)
}
