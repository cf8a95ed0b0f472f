/**
 * Speaker turns: a paragraph that opens with a bold label ending in a colon
 * (`**王毅：**…`, `**Reporter:** …`, also `**王毅**：…`) is a turn. The label moves
 * from the paragraph's children to `paragraph.data.speaker`, so renderers style it
 * and the audio edition can pick a voice instead of reading "王毅冒号".
 */
import type {Paragraph, PhrasingContent} from 'mdast'
import {toString} from 'mdast-util-to-string'
import type {SpeakerLabel} from './types.js'

const COLON = /[:：︰]\s*$/u
const LEADING_COLON = /^\s*[:：︰]\s*/u
/** Labels are names, not sentences. */
const MAX_LABEL = 40

export function takeSpeaker(node: Paragraph): SpeakerLabel | undefined {
  const [first, second] = node.children as [PhrasingContent | undefined, PhrasingContent | undefined]
  if (!first || first.type !== 'strong') return undefined
  const label = toString(first).trim()
  let rest: PhrasingContent[]
  let written: string
  if (COLON.test(label)) {
    written = label
    rest = node.children.slice(1)
  } else if (second?.type === 'text' && LEADING_COLON.test(second.value)) {
    const colon = second.value.match(LEADING_COLON)![0].trim()
    written = label + colon
    const remainder = second.value.replace(LEADING_COLON, '')
    rest = [...(remainder ? [{...second, value: remainder}] : []), ...node.children.slice(2)]
  } else return undefined
  const name = written.replace(COLON, '').trim()
  if (!name || [...name].length > MAX_LABEL) return undefined
  // The text after the label starts without the space that followed the colon.
  const head = rest[0]
  if (head?.type === 'text') {
    const trimmed = head.value.replace(/^\s+/u, '')
    rest = trimmed ? [{...head, value: trimmed}, ...rest.slice(1)] : rest.slice(1)
  }
  node.children = rest
  const speaker = {name, label: written}
  node.data = {...node.data, speaker}
  return speaker
}
