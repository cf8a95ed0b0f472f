/** Slugs for ids and file names: Unicode letters and digits kept, the rest folded to `-`. */
export function slugify(text: string, maxLength = 48): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
  const chars = [...slug]
  return (chars.length > maxLength ? chars.slice(0, maxLength).join('').replace(/-+$/, '') : slug) || 'section'
}

/** A slugger that makes every slug unique within one book (`intro`, `intro-2`, …). */
export function createSlugger(): (text: string) => string {
  const used = new Set<string>()
  return (text) => {
    const base = slugify(text)
    let slug = base
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`
    used.add(slug)
    return slug
  }
}
