// How each arrow runs (pure): out of a box's side into the gutter next to it, along the gutters,
// into the other box's side. Arrows never cross a box: gutters hold no boxes. Arrows are bundled the
// way a transit map bundles lines: all arrows leaving one side of a box leave at one point and share
// a trunk in the gutter next to it; all arrows entering one side of a box share a trunk and arrive
// at one point; arrows towards one box share their lane in a horizontal gutter. So a gutter holds a
// few trunks rather than one line per arrow, and a hub's hundred callers arrive as one trunk. Each
// arrow is still its own path (hover or select one to see it whole), and knows which of its
// segments it shares, so a label is only ever put where it names one arrow.
//
// Planning happens on the grid of cells (planRoutes), gutters are then made as wide as their lanes
// need (gutterSizes, layout.js geometry), and the plan becomes coordinates (realizeRoutes).

import { GRID } from './layout.js'

/**
 * @typedef {import('./layout.js').Arrangement} Arrangement
 * @typedef {import('./layout.js').Layout} Layout
 * @typedef {import('./layout.js').Cell} Cell
 * @typedef {{ key: string, from: string, to: string }} LinkRef
 * @typedef {{ x1: number, y1: number, x2: number, y2: number, shared: boolean }} Segment
 * @typedef {{ key: string, points: Array<[number, number]>, segments: Segment[], d: string }} Route
 * @typedef {{ key: string, kind: 'v' | 'h', index: number, lo: number, hi: number, members: number, lane: number }} Bundle
 * @typedef {{ key: string, from: string, to: string, a: Cell, b: Cell, outSide: 'L' | 'R', inSide: 'L' | 'R',
 *   ga: number, gb: number, h?: number, src?: Bundle, hb?: Bundle, dst?: Bundle }} Plan
 * @typedef {{ plans: Plan[], bundles: Bundle[], sides: Map<string, { out: number, in: number }> }} RoutePlan
 */

export const LANE = 6
/**
 * Where on a box's side, from its middle, its arrows leave (out) and arrive (in): one point each
 * per side, and the four heights on the two sides facing each other across a gutter all differ, so
 * an arrow at one box never runs along one at the box facing it.
 */
const END = { R: { out: -9, in: 3 }, L: { in: -3, out: 9 } }
/** Gutter room besides lanes: keeps arrows off box sides and frame borders. */
const V_MARGIN = 30
const H_MARGIN = GRID.frameTop + GRID.frameBottom + 10
/** Cell units either side of a horizontal gutter line that a trunk's end may reach. */
const REACH = 0.35

/**
 * @param {Arrangement} arr
 * @param {LinkRef[]} links
 * @returns {RoutePlan}
 */
export function planRoutes (arr, links) {
  /** @type {Set<string>} */
  const occupied = new Set()
  for (const c of arr.cells.values()) occupied.add(`${c.col},${c.row}`)
  /** @type {Map<string, { out: number, in: number }>} */
  const sides = new Map()
  const side = (/** @type {string} */ k) => sides.get(k) ?? sides.set(k, { out: 0, in: 0 }).get(k) ?? { out: 0, in: 0 }
  /** @type {Plan[]} */
  const plans = []
  for (const l of [...links].sort((x, y) => x.key < y.key ? -1 : 1)) {
    const a = arr.cells.get(l.from)
    const b = arr.cells.get(l.to)
    if (!a || !b) continue
    const outSide = b.col < a.col ? 'L' : 'R'
    const inSide = b.col > a.col ? 'L' : 'R'
    side(`${l.from}|${outSide}`).out++
    side(`${l.to}|${inSide}`).in++
    plans.push({ key: l.key, from: l.from, to: l.to, a, b, outSide, inSide, ga: outSide === 'R' ? a.col + 1 : a.col, gb: inSide === 'L' ? b.col : b.col + 1 })
  }
  const endY = (/** @type {Cell} */ c, /** @type {'L' | 'R'} */ s, /** @type {'out' | 'in'} */ dir) => c.row + 0.5 + END[s][dir] / 100

  /** @type {Map<string, Bundle>} */
  const bundles = new Map()
  const join = (/** @type {string} */ key, /** @type {'v' | 'h'} */ kind, /** @type {number} */ index, /** @type {number} */ u, /** @type {number} */ v) => {
    let b = bundles.get(key)
    if (!b) { b = { key, kind, index, lo: Infinity, hi: -Infinity, members: 0, lane: 0 }; bundles.set(key, b) }
    b.lo = Math.min(b.lo, u, v)
    b.hi = Math.max(b.hi, u, v)
    b.members++
    return b
  }
  /** @type {Map<number, number>} */
  const load = new Map()
  for (const p of plans) {
    const ya = endY(p.a, p.outSide, 'out')
    const yb = endY(p.b, p.inSide, 'in')
    const dstKey = (/** @type {number} */ g) => `v${g}|in|${p.to}|${p.inSide}`
    if (p.ga === p.gb) { p.dst = join(dstKey(p.gb), 'v', p.gb, ya, yb); continue }
    // Columns between the two: straight along the row if its cells there are empty, else through
    // a horizontal gutter, preferably one that already leads to the same box.
    const lo = Math.min(p.a.col, p.b.col) + 1
    const hi = Math.max(p.a.col, p.b.col) - 1
    if (p.a.row === p.b.row) {
      let clear = true
      for (let c = lo; c <= hi && clear; c++) clear = !occupied.has(`${c},${p.a.row}`)
      if (clear) { p.dst = join(dstKey(p.gb), 'v', p.gb, ya, yb); continue }
    }
    const [r0, r1] = p.a.row === p.b.row ? [p.a.row, p.a.row + 1] : p.a.row < p.b.row ? [p.a.row + 1, p.b.row] : [p.b.row + 1, p.a.row]
    let best = -1
    for (let h = r0; h <= r1 && best < 0; h++) if (bundles.has(`h${h}|in|${p.to}|${p.inSide}`)) best = h
    if (best < 0) {
      best = r0
      for (let h = r0; h <= r1; h++) if ((load.get(h) ?? 0) < (load.get(best) ?? 0)) best = h
      load.set(best, (load.get(best) ?? 0) + 1)
    }
    p.h = best
    p.src = join(`v${p.ga}|out|${p.from}|${p.outSide}`, 'v', p.ga, ya, best)
    p.hb = join(`h${best}|in|${p.to}|${p.inSide}`, 'h', best, p.ga, p.gb)
    p.dst = join(dstKey(p.gb), 'v', p.gb, best, yb)
  }

  // Lanes: per gutter, bundles whose spans overlap get different lanes.
  /** @type {Map<string, Bundle[]>} */
  const byGutter = new Map()
  for (const b of bundles.values()) (byGutter.get(`${b.kind}${b.index}`) ?? byGutter.set(`${b.kind}${b.index}`, []).get(`${b.kind}${b.index}`))?.push(b)
  for (const list of byGutter.values()) {
    list.sort((s, t) => s.lo - t.lo || s.hi - t.hi || (s.key < t.key ? -1 : 1))
    /** @type {number[]} */
    const ends = []
    const laneOf = list.map((b) => {
      const reach = b.kind === 'v' ? REACH : 0.2
      let i = ends.findIndex((e) => e < b.lo - reach)
      if (i < 0) { i = ends.length; ends.push(b.hi + reach) } else ends[i] = b.hi + reach
      return i
    })
    list.forEach((b, i) => { b.lane = (laneOf[i] ?? 0) - (ends.length - 1) / 2 })
  }
  return { plans, bundles: [...bundles.values()], sides }
}

/** Gutter sizes that fit every lane. */
export function gutterSizes (/** @type {RoutePlan} */ plan, /** @type {Arrangement} */ arr) {
  /** @type {Map<string, number>} */
  const lanes = new Map()
  for (const b of plan.bundles) {
    const k = `${b.kind}${b.index}`
    lanes.set(k, Math.max(lanes.get(k) ?? 0, 2 * Math.abs(b.lane) + 1))
  }
  return {
    v: Array.from({ length: arr.cols + 1 }, (_, g) => (lanes.get(`v${g}`) ?? 0) * LANE + V_MARGIN),
    h: Array.from({ length: arr.rows + 1 }, (_, r) => (lanes.get(`h${r}`) ?? 0) * LANE + H_MARGIN)
  }
}

/**
 * @param {RoutePlan} plan
 * @param {Layout} lay
 * @returns {Map<string, Route>}
 */
export function realizeRoutes (plan, lay) {
  /** @type {Map<string, Route>} */
  const routes = new Map()
  const endY = (/** @type {import('./layout.js').Box} */ box, /** @type {'L' | 'R'} */ s, /** @type {'out' | 'in'} */ dir) => box.y + box.h / 2 + END[s][dir]
  const laneX = (/** @type {Bundle} */ b) => lay.gutterX(b.index) + b.lane * LANE
  for (const p of plan.plans) {
    const a = /** @type {import('./layout.js').Box} */ (lay.boxes.get(p.from))
    const b = /** @type {import('./layout.js').Box} */ (lay.boxes.get(p.to))
    const dst = /** @type {Bundle} */ (p.dst)
    const ya = endY(a, p.outSide, 'out')
    const yb = endY(b, p.inSide, 'in')
    const xs = p.outSide === 'R' ? a.x + a.w : a.x
    const xe = p.inSide === 'L' ? b.x - 1.5 : b.x + b.w + 1.5
    const outShared = (plan.sides.get(`${p.from}|${p.outSide}`)?.out ?? 0) > 1
    const inShared = (plan.sides.get(`${p.to}|${p.inSide}`)?.in ?? 0) > 1
    const xd = laneX(dst)
    /** @type {Array<[number, number, boolean]>} point, and whether the segment ending there is shared */
    const pts = [[xs, ya, false]]
    if (p.src && p.hb) {
      const xsrc = laneX(p.src)
      const hy = lay.gutterY(p.hb.index) + p.hb.lane * LANE
      pts.push([xsrc, ya, outShared], [xsrc, hy, p.src.members > 1], [xd, hy, p.hb.members > 1])
    } else pts.push([xd, ya, outShared])
    pts.push([xd, yb, dst.members > 1], [xe, yb, inShared])
    /** @type {Array<[number, number]>} */
    const points = []
    /** @type {Segment[]} */
    const segments = []
    for (const [x, y, shared] of pts) {
      const last = points[points.length - 1]
      if (last && Math.abs(last[0] - x) < 0.01 && Math.abs(last[1] - y) < 0.01) continue
      if (last) segments.push({ x1: last[0], y1: last[1], x2: x, y2: y, shared })
      points.push([x, y])
    }
    routes.set(p.key, { key: p.key, points, segments, d: pathOf(points) })
  }
  return routes
}

const r2 = (/** @type {number} */ v) => Math.round(v * 100) / 100

/** An SVG path through the points with rounded corners. */
export function pathOf (/** @type {Array<[number, number]>} */ pts) {
  const first = pts[0]
  if (!first) return ''
  let d = `M${r2(first[0])},${r2(first[1])}`
  for (let i = 1; i < pts.length; i++) {
    const p = /** @type {[number, number]} */ (pts[i])
    const next = pts[i + 1]
    if (!next) { d += ` L${r2(p[0])},${r2(p[1])}`; break }
    const prev = /** @type {[number, number]} */ (pts[i - 1])
    const r = Math.min(6, Math.hypot(p[0] - prev[0], p[1] - prev[1]) / 2, Math.hypot(next[0] - p[0], next[1] - p[1]) / 2)
    const into = unit(prev, p)
    const out = unit(p, next)
    d += ` L${r2(p[0] - into[0] * r)},${r2(p[1] - into[1] * r)} Q${r2(p[0])},${r2(p[1])} ${r2(p[0] + out[0] * r)},${r2(p[1] + out[1] * r)}`
  }
  return d
}

/** @returns {[number, number]} */
function unit (/** @type {[number, number]} */ a, /** @type {[number, number]} */ b) {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1
  return [(b[0] - a[0]) / len, (b[1] - a[1]) / len]
}
