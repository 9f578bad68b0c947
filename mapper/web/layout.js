// Where each box goes (pure). Every box is one cell of a grid with gutters between the cells, so
// boxes never overlap and arrows can run in the gutters (route.js), which are as wide as the arrows
// in them need. A namespace drawn workload by workload is a block of cells with a frame around it.
//
// Columns follow the calls, left to right: a box that only calls others goes left, one that is
// only called goes right, the rest in between by the share of their arrows going in (in a focus
// view: clients, the focus, servers). Inside a column boxes are in name order, so a person can find
// one, and so that positions depend on the set of boxes and their roles only: a new call moves
// nothing unless it changes a box's role, and given the previous layout's roles (`previous`) boxes
// keep theirs, so a new call moves nothing at all.

/**
 * @typedef {import('./scene.js').Scene} Scene
 * @typedef {import('./scene.js').Unit} Unit
 * @typedef {{ col: number, row: number }} Cell
 * @typedef {{ group: string, col0: number, row0: number, col1: number, row1: number }} FrameCells
 * @typedef {{ cols: number, rows: number, cells: Map<string, Cell>, frames: FrameCells[], tiers: Map<string, number> }} Arrangement
 * @typedef {{ key: string, col: number, row: number, x: number, y: number, w: number, h: number }} Box
 * @typedef {{ group: string, x: number, y: number, w: number, h: number }} FrameBox
 * @typedef {{ v: number[], h: number[] }} Gutters widths of the vertical gutters (0..cols) and heights of the horizontal ones (0..rows)
 * @typedef {Arrangement & { width: number, height: number, boxes: Map<string, Box>, frameBoxes: FrameBox[],
 *   colX: (col: number) => number, rowY: (row: number) => number, gutterX: (g: number) => number,
 *   gutterY: (h: number) => number, gutters: Gutters }} Layout
 * @typedef {{ key: string, units: string[], frame?: string, w: number, h: number, cells: Map<string, [number, number]> }} Block
 */

export const GRID = { boxW: 180, boxH: 48, gapX: 72, gapY: 60, frameX: 16, frameTop: 30, frameBottom: 14 }
export const TIERS = 5

/** A cell with its share of gutters and lanes, as drawn on average: to aim at a picture's shape. */
const CELL = { w: GRID.boxW + 110, h: GRID.boxH + 80 }
/** Up to this many blocks, each column holds one tier; past it, tiers follow on in one sequence. */
const STRICT_TIERS = 12

const cmp = (/** @type {string} */ a, /** @type {string} */ b) => a < b ? -1 : a > b ? 1 : 0

/**
 * Column role from the arrows between keys: 0 only calls, 4 only called, 1..3 by the share of
 * arrows coming in (under a third, up to two thirds, more).
 */
function roles (/** @type {Array<[string, string]>} */ pairs) {
  /** @type {Map<string, number>} */
  const out = new Map()
  /** @type {Map<string, number>} */
  const inn = new Map()
  for (const [a, b] of pairs) {
    if (a === b) continue
    out.set(a, (out.get(a) ?? 0) + 1)
    inn.set(b, (inn.get(b) ?? 0) + 1)
  }
  return (/** @type {string} */ k) => {
    const o = out.get(k) ?? 0
    const i = inn.get(k) ?? 0
    if (o === 0 && i === 0) return 2
    if (i === 0) return 0
    if (o === 0) return TIERS - 1
    const share = i / (i + o)
    return share < 1 / 3 ? 1 : share > 2 / 3 ? 3 : 2
  }
}

/** Items in tier order, in columns of at most `rows` cells; a new column for each tier if `strict`. */
function columns (/** @type {Array<{ key: string, tier: number, h: number, w: number }>} */ items, /** @type {number} */ rows, strict = true) {
  /** @type {Array<{ w: number, h: number, items: Array<{ key: string, row: number }> }>} */
  const cols = []
  let tier = -1
  /** @type {{ w: number, h: number, items: Array<{ key: string, row: number }> } | undefined} */
  let col
  for (const it of items) {
    if (!col || (strict && it.tier !== tier) || col.h + it.h > rows) {
      col = { w: 0, h: 0, items: [] }
      cols.push(col)
      tier = it.tier
    }
    col.items.push({ key: it.key, row: col.h })
    col.h += it.h
    col.w = Math.max(col.w, it.w)
  }
  return cols
}

/**
 * Cells for the scene's boxes.
 * @param {Scene} scene
 * @param {{ previous?: { tiers: Map<string, number> }, aspect?: number }} [opts] `aspect`: the
 *   width / height of the window the picture is for (1.5 when not given)
 * @returns {Arrangement}
 */
export function arrange (scene, opts = {}) {
  const prev = opts.previous?.tiers
  /** @type {Map<string, number>} */
  const tiers = new Map()
  const tierOf = (/** @type {string} */ key, /** @type {(k: string) => number} */ role) => {
    const t = scene.tiers?.get(key) ?? prev?.get(key) ?? role(key)
    tiers.set(key, t)
    return t
  }
  const units = new Map(scene.units.map((u) => [u.key, u]))
  const sortKey = (/** @type {string} */ key) => {
    const u = units.get(key)
    return u ? `${u.title}\u0000${u.key}` : key
  }

  // Blocks: a framed namespace (its workloads in tier columns), or a single box.
  const unitRole = roles(scene.links.map((l) => [l.from, l.to]))
  /** @type {Block[]} */
  const blocks = []
  const framed = new Set()
  for (const f of scene.frames) {
    const members = f.units.filter((k) => units.has(k))
    if (members.length === 0) continue
    for (const k of members) framed.add(k)
    const rows = Math.max(4, Math.ceil(Math.sqrt(members.length * 1.5)))
    const items = members.map((k) => ({ key: k, tier: tierOf(k, unitRole), h: 1, w: 1 }))
      .sort((a, b) => a.tier - b.tier || cmp(sortKey(a.key), sortKey(b.key)))
    const cols = columns(items, rows)
    const h = Math.max(...cols.map((c) => c.h))
    /** @type {Map<string, [number, number]>} */
    const cells = new Map()
    cols.forEach((c, i) => {
      const offset = Math.floor((h - c.h) / 2)
      for (const it of c.items) cells.set(it.key, [i, it.row + offset])
    })
    blocks.push({ key: `frame:${f.group}`, frame: f.group, units: members, w: cols.length, h, cells })
  }
  for (const u of scene.units) {
    if (!framed.has(u.key)) blocks.push({ key: u.key, units: [u.key], w: 1, h: 1, cells: new Map([[u.key, [0, 0]]]) })
  }

  // Blocks in tier columns, stacked up to a height that gives the picture the window's shape.
  /** @type {Map<string, string>} */
  const blockOf = new Map()
  for (const b of blocks) for (const k of b.units) blockOf.set(k, b.key)
  const blockRole = roles(scene.links.map((l) => [blockOf.get(l.from) ?? l.from, blockOf.get(l.to) ?? l.to]))
  const area = blocks.reduce((s, b) => s + b.w * b.h, 0)
  const aspect = opts.aspect && Number.isFinite(opts.aspect) && opts.aspect > 0 ? opts.aspect : 1.5
  const maxRows = Math.max(1, ...blocks.map((b) => b.h), Math.round(Math.sqrt(area * CELL.w / (aspect * CELL.h))))
  const items = blocks.map((b) => ({ key: b.key, tier: tierOf(b.key, blockRole), h: b.h, w: b.w, sort: b.frame ?? sortKey(b.key) }))
    .sort((a, b) => a.tier - b.tier || cmp(a.sort, b.sort))
  // A focus view always keeps its three columns apart: clients, the focus, servers.
  const cols = columns(items, maxRows, blocks.length <= STRICT_TIERS || scene.tiers !== undefined)
  const rows = Math.max(0, ...cols.map((c) => c.h))
  const byKey = new Map(blocks.map((b) => [b.key, b]))

  /** @type {Map<string, Cell>} */
  const cells = new Map()
  /** @type {FrameCells[]} */
  const frames = []
  let col0 = 0
  for (const c of cols) {
    const offset = Math.floor((rows - c.h) / 2)
    for (const it of c.items) {
      const b = /** @type {Block} */ (byKey.get(it.key))
      const r0 = it.row + offset
      for (const [k, [dc, dr]] of b.cells) cells.set(k, { col: col0 + dc, row: r0 + dr })
      if (b.frame !== undefined) frames.push({ group: b.frame, col0, row0: r0, col1: col0 + b.w - 1, row1: r0 + b.h - 1 })
    }
    col0 += c.w
  }
  return { cols: col0, rows, cells, frames, tiers }
}

/**
 * Pixel positions: boxes in their cells, gutters as wide as given (at least GRID's gaps).
 * @param {Arrangement} arr
 * @param {Partial<Gutters>} [sizes]
 * @returns {Layout}
 */
export function geometry (arr, sizes = {}) {
  const v = Array.from({ length: arr.cols + 1 }, (_, g) => Math.max(GRID.gapX, sizes.v?.[g] ?? 0))
  const h = Array.from({ length: arr.rows + 1 }, (_, r) => Math.max(GRID.gapY, sizes.h?.[r] ?? 0))
  const xs = [0]
  for (let c = 0; c <= arr.cols; c++) xs.push((xs[c] ?? 0) + (v[c] ?? 0) + GRID.boxW)
  const ys = [0]
  for (let r = 0; r <= arr.rows; r++) ys.push((ys[r] ?? 0) + (h[r] ?? 0) + GRID.boxH)
  const colX = (/** @type {number} */ c) => (xs[c] ?? 0) + (v[c] ?? 0)
  const rowY = (/** @type {number} */ r) => (ys[r] ?? 0) + (h[r] ?? 0)
  /** @type {Map<string, Box>} */
  const boxes = new Map()
  for (const [key, { col, row }] of arr.cells) boxes.set(key, { key, col, row, x: colX(col), y: rowY(row), w: GRID.boxW, h: GRID.boxH })
  const frameBoxes = arr.frames.map((f) => {
    const x = colX(f.col0) - GRID.frameX
    const y = rowY(f.row0) - GRID.frameTop
    return { group: f.group, x, y, w: colX(f.col1) + GRID.boxW + GRID.frameX - x, h: rowY(f.row1) + GRID.boxH + GRID.frameBottom - y }
  })
  return {
    ...arr,
    width: colX(arr.cols),
    height: rowY(arr.rows),
    boxes,
    frameBoxes,
    colX,
    rowY,
    gutterX: (g) => colX(g) - (v[g] ?? 0) / 2,
    // Lanes run below the frame titles of the row under the gutter and above the frames' bottoms.
    gutterY: (r) => rowY(r) - GRID.frameTop - ((h[r] ?? 0) - GRID.frameTop - GRID.frameBottom) / 2,
    gutters: { v, h }
  }
}

/** Cells and pixel positions with the default gutters. */
export function layout (/** @type {Scene} */ scene, /** @type {{ previous?: { tiers: Map<string, number> }, aspect?: number }} */ opts = {}) {
  return geometry(arrange(scene, opts))
}
