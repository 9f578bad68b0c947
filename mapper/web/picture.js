// The picture of a scene (pure): boxes with their texts fitted, frames with their titles, arrows
// with their routes and labels. draw.js turns it into SVG; tests read it directly. Text widths come
// from `measure` (the page measures with the stylesheet's fonts, tests with a fixed advance).

import { GRID, arrange, geometry } from './layout.js'
import { gutterSizes, planRoutes, realizeRoutes } from './route.js'
import { placeLabels } from './labels.js'
import { edgeKey, groupLabel, idKey, plural, portText, shortPorts } from './identity.js'

/**
 * @typedef {import('./scene.js').Scene} Scene
 * @typedef {import('./scene.js').Unit} Unit
 * @typedef {import('./scene.js').Link} Link
 * @typedef {import('./identity.js').Edge} Edge
 * @typedef {import('./layout.js').Layout} Layout
 * @typedef {'title' | 'sub' | 'label' | 'frame'} Font
 * @typedef {(text: string, font: Font) => number} Measure
 * @typedef {{ key: string, unit: Unit, x: number, y: number, w: number, h: number, title: string, sub: string }} PictureBox
 * @typedef {{ group: string, x: number, y: number, w: number, h: number, title: string, tx: number, ty: number }} PictureFrame
 * @typedef {{ key: string, link: Link, aggregated: boolean, d: string, text: string, calls: number, denied: number,
 *   ports: Array<{ port: number, protocol: string, calls: number }>, label?: { text: string, cx: number, cy: number } }} PictureLink
 * @typedef {{ layout: Layout, boxes: PictureBox[], frames: PictureFrame[], links: PictureLink[], width: number, height: number }} Picture
 */

export const BOX_TEXT = { x: 16, subY: 18, titleY: 36 }
export const FRAME_TEXT = { x: 12, y: 19 }

/** The longest prefix of `text` (with an ellipsis when cut) that fits `max` pixels. */
export function fit (/** @type {string} */ text, /** @type {number} */ max, /** @type {Font} */ font, /** @type {Measure} */ measure) {
  if (measure(text, font) <= max) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) { // longest prefix whose text + ellipsis fits
    const mid = Math.ceil((lo + hi) / 2)
    if (measure(`${text.slice(0, mid)}…`, font) <= max) lo = mid; else hi = mid - 1
  }
  return `${text.slice(0, lo)}…`
}

/** Calls on each port over a link's calls, busiest first. */
export function portCounts (/** @type {Edge[]} */ edges) {
  /** @type {Map<string, { port: number, protocol: string, calls: number }>} */
  const by = new Map()
  for (const e of edges) {
    for (const p of e.ports) {
      const k = portText(p)
      const c = by.get(k)
      if (c) c.calls++; else by.set(k, { port: p.port, protocol: p.protocol, calls: 1 })
    }
  }
  return [...by.values()].sort((a, b) => b.calls - a.calls || a.port - b.port || (a.protocol < b.protocol ? -1 : 1))
}

/**
 * @param {Scene} scene
 * @param {Measure} measure
 * @param {{ previous?: { tiers: Map<string, number> }, denied?: Map<string, unknown>, aspect?: number }} [opts]
 * @returns {Picture}
 */
export function picture (scene, measure, opts = {}) {
  const arr = arrange(scene, { ...(opts.previous ? { previous: opts.previous } : {}), ...(opts.aspect ? { aspect: opts.aspect } : {}) })
  const plan = planRoutes(arr, scene.links)
  const lay = geometry(arr, gutterSizes(plan, arr))
  const inner = GRID.boxW - BOX_TEXT.x - 8
  /** @type {PictureBox[]} */
  const boxes = []
  for (const u of scene.units) {
    const b = lay.boxes.get(u.key)
    if (!b) continue
    boxes.push({ key: u.key, unit: u, x: b.x, y: b.y, w: b.w, h: b.h, title: fit(u.title, inner, 'title', measure), sub: fit(u.sub, inner, 'sub', measure) })
  }
  const frames = lay.frameBoxes.map((f) => ({
    ...f, title: fit(groupLabel(f.group), f.w - 2 * FRAME_TEXT.x, 'frame', measure), tx: f.x + FRAME_TEXT.x, ty: f.y + FRAME_TEXT.y
  }))
  const routes = realizeRoutes(plan, lay)
  const denied = opts.denied ?? new Map()
  /** @type {PictureLink[]} */
  const links = []
  for (const l of scene.links) {
    const r = routes.get(l.key)
    if (!r) continue
    const only = l.edges[0]
    const aggregated = l.edges.length !== 1 || !only || l.from !== idKey(only.client) || l.to !== idKey(only.server)
    const ports = portCounts(l.edges)
    const text = aggregated ? plural(l.edges.length, 'call') : shortPorts(only.ports)
    links.push({ key: l.key, link: l, aggregated, d: r.d, text, calls: l.edges.length, denied: l.edges.filter((e) => denied.has(edgeKey(e))).length, ports })
  }
  // Labels of the busiest arrows first; boxes and frame titles are in the way of all of them.
  const obstacles = [
    ...boxes.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h })),
    ...frames.map((f) => ({ x: f.tx - 4, y: f.y + 3, w: measure(f.title, 'frame') + 8, h: 22 }))
  ]
  // Aggregated arrows say how many calls by their width and, on hover, in words: no label.
  const order = links.filter((l) => !l.aggregated).sort((a, b) => a.key < b.key ? -1 : 1)
  const placed = placeLabels(routes, order.map((l) => ({ key: l.key, w: measure(l.text, 'label') })), obstacles)
  for (const l of links) {
    const p = placed.get(l.key)
    if (p) l.label = { text: l.text, cx: p.cx, cy: p.cy }
  }
  return { layout: lay, boxes, frames, links, width: lay.width, height: lay.height }
}
