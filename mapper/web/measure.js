// Text widths in the stylesheet's fonts, measured on a canvas (no layout pass per label). Probes
// sit in the SVG classes they measure for, so whatever font the stylesheet gives those applies.

const SVG_NS = 'http://www.w3.org/2000/svg'

/** @typedef {import('./picture.js').Font} Font */

/** @returns {(text: string, font: Font) => number} */
export function createMeasure (/** @type {SVGSVGElement} */ svg) {
  /** @type {Record<Font, [string, string]>} */
  const where = { title: ['node', 'name'], sub: ['node', 'kind'], label: ['edge', 'label'], frame: ['group', 'group-title'] }
  /** @type {Map<string, string>} */
  const fonts = new Map()
  for (const [font, [outer, inner]] of Object.entries(where)) {
    const g = document.createElementNS(SVG_NS, 'g')
    g.setAttribute('class', outer)
    g.setAttribute('visibility', 'hidden')
    const t = document.createElementNS(SVG_NS, 'text')
    t.setAttribute('class', inner)
    g.append(t)
    svg.append(g)
    const cs = getComputedStyle(t)
    fonts.set(font, `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`)
    g.remove()
  }
  const ctx = document.createElement('canvas').getContext('2d')
  /** @type {Map<string, number>} */
  const cache = new Map()
  return (text, font) => {
    const k = `${font}\u0000${text}`
    let w = cache.get(k)
    if (w === undefined) {
      if (ctx) { ctx.font = fonts.get(font) ?? '13px sans-serif'; w = ctx.measureText(text).width } else w = text.length * 8
      cache.set(k, w)
    }
    return w
  }
}
