/**
 * What raw HTML (and our own markup) may keep: HTML5 elements that are valid in EPUB 3
 * XHTML, no scripts, handlers, frames, forms or obsolete presentational attributes.
 */
import type {Schema} from 'hast-util-sanitize'

const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']

export const xhtmlSchema: Schema = {
  tagNames: [
    'a', 'abbr', 'aside', 'b', 'bdi', 'bdo', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup',
    'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', ...headings, 'hr', 'i', 'img',
    'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 'rp', 'rt', 'ruby', 's', 'samp', 'section', 'small', 'span',
    'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'u', 'ul', 'var', 'wbr'
  ],
  // Removed with their content; other unknown elements are unwrapped (their text stays).
  strip: ['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'textarea', 'select', 'button', 'title', 'input', 'svg', 'math', 'audio', 'video', 'canvas'],
  ancestors: {
    tbody: ['table'], td: ['table'], th: ['table'], thead: ['table'], tfoot: ['table'], tr: ['table'],
    caption: ['table'], col: ['table'], colgroup: ['table'],
    li: ['ul', 'ol'], dt: ['dl'], dd: ['dl'], figcaption: ['figure'], rt: ['ruby'], rp: ['ruby']
  },
  attributes: {
    '*': ['id', 'className', 'lang', 'dir', 'title'],
    a: ['href', 'name', 'dataLine'],
    img: ['src', 'alt', 'width', 'height', 'dataLine'],
    td: ['colSpan', 'rowSpan', 'align'],
    th: ['colSpan', 'rowSpan', 'align', 'scope'],
    ol: ['start'],
    li: ['value'],
    blockquote: ['cite'],
    q: ['cite'],
    del: ['cite'],
    ins: ['cite'],
    time: ['dateTime']
  },
  protocols: {
    href: ['http', 'https', 'mailto'],
    src: ['http', 'https', 'file'],
    cite: ['http', 'https']
  },
  required: {},
  clobber: [],
  clobberPrefix: '',
  allowComments: false,
  allowDoctypes: false
}
