// Where each arrow's label goes (pure): on the arrow, at the first spot that overlaps no box, no
// frame title and no label placed before it. Labels are placed in the order given (the busiest
// arrows first); a label with no free spot is left out: the arrow keeps its text in its tooltip,
// its accessible name and the details panel, so nothing is hidden, only not printed twice.

/**
 * @typedef {import('./route.js').Route} Route
 * @typedef {{ x: number, y: number, w: number, h: number }} Rect
 * @typedef {{ key: string, w: number }} LabelRequest
 */

export const LABEL_H = 16
const PAD = 3
const CELL = 96

/** A grid of rectangles, to ask whether a new one would overlap any. */
export class RectIndex {
  constructor () { /** @type {Map<string, Rect[]>} */ this.cells = new Map() }

  /** @param {Rect} r @param {(key: string) => void} fn */
  each (r, fn) {
    for (let i = Math.floor(r.x / CELL); i <= Math.floor((r.x + r.w) / CELL); i++) {
      for (let j = Math.floor(r.y / CELL); j <= Math.floor((r.y + r.h) / CELL); j++) fn(`${i},${j}`)
    }
  }

  /** @param {Rect} r */
  add (r) { this.each(r, (k) => { const l = this.cells.get(k); if (l) l.push(r); else this.cells.set(k, [r]) }) }

  /** @param {Rect} r */
  hits (r) {
    let hit = false
    this.each(r, (k) => { if (!hit) hit = (this.cells.get(k) ?? []).some((/** @type {Rect} */ o) => overlaps(o, r)) })
    return hit
  }
}

export const overlaps = (/** @type {Rect} */ a, /** @type {Rect} */ b) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

/**
 * Spots along the part of a route that is its own (not shared with other arrows): just above its
 * last run, ending at the arrowhead, first (where a reader looks for what an arrow carries), or
 * just above its first run, starting at the box it leaves; then above or on its other horizontal
 * runs, then beside its vertical runs.
 * @returns {Generator<[number, number]>}
 */
function * spots (/** @type {Route} */ r, /** @type {number} */ w) {
  const own = r.segments.filter((s) => !s.shared)
  const last = r.segments[r.segments.length - 1]
  const above = LABEL_H / 2 + 1
  if (last && !last.shared && Math.abs(last.y2 - last.y1) < 0.5) {
    const dir = Math.sign(last.x2 - last.x1) || 1
    yield [last.x2 - dir * (w / 2 + PAD + 4), last.y2 - above]
  }
  const first = r.segments[0]
  if (first && !first.shared && Math.abs(first.y2 - first.y1) < 0.5) {
    const dir = Math.sign(first.x2 - first.x1) || 1
    yield [first.x1 + dir * (w / 2 + PAD + 4), first.y1 - above]
  }
  const segs = own.map((s) => ({ ...s, len: Math.hypot(s.x2 - s.x1, s.y2 - s.y1), flat: Math.abs(s.y2 - s.y1) < 0.5 }))
    .sort((a, b) => Number(b.flat) - Number(a.flat) || b.len - a.len)
  for (const s of segs) {
    const cx = (s.x1 + s.x2) / 2
    const cy = (s.y1 + s.y2) / 2
    if (s.flat) {
      const room = Math.max(0, s.len - w) / 2
      for (const dx of [0, -0.5, 0.5, -1, 1]) { yield [cx + dx * room, cy - above]; yield [cx + dx * room, cy] }
    } else {
      const room = Math.max(0, s.len - LABEL_H) / 2
      for (const dy of [0, -0.5, 0.5]) for (const side of [1, -1]) yield [cx + side * (w / 2 + PAD + 3), cy + dy * room]
    }
  }
}

/**
 * @param {Map<string, Route>} routes
 * @param {LabelRequest[]} requests in order of importance
 * @param {Rect[]} obstacles boxes and frame titles
 * @returns {Map<string, Rect & { cx: number, cy: number }>}
 */
export function placeLabels (routes, requests, obstacles) {
  const index = new RectIndex()
  for (const o of obstacles) index.add(o)
  /** @type {Map<string, Rect & { cx: number, cy: number }>} */
  const placed = new Map()
  for (const req of requests) {
    const r = routes.get(req.key)
    if (!r) continue
    for (const [cx, cy] of spots(r, req.w)) {
      const rect = { x: cx - req.w / 2 - PAD, y: cy - LABEL_H / 2, w: req.w + 2 * PAD, h: LABEL_H }
      if (index.hits(rect)) continue
      index.add(rect)
      placed.set(req.key, { ...rect, cx, cy })
      break
    }
  }
  return placed
}
