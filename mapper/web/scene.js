// What to draw (pure): the map's calls become boxes and arrows for one view. A small map is drawn
// workload by workload inside namespace frames. A large one becomes an overview: one box per
// namespace, arrows aggregated (how many calls, which ports), with the namespaces the user opened
// drawn workload by workload in place. A focused workload is drawn with its direct clients and
// servers only; when it has too many, those in namespaces not opened are aggregated per namespace.

import { groupName, groupOf, idKey, plural } from './identity.js'

/**
 * @typedef {import('./identity.js').Identity} Identity
 * @typedef {import('./identity.js').Edge} Edge
 * @typedef {{ key: string, id: Identity, group: string, out: Edge[], in: Edge[] }} Workload
 * @typedef {{ workloads: Map<string, Workload>, groups: Map<string, string[]>, edges: Edge[],
 *   ends: Map<Edge, [string, string]> }} MapIndex each call's client and server keys, computed once
 * @typedef {{ key: string, type: 'workload' | 'group', group: string, title: string, sub: string,
 *   id?: Identity, workloads?: number, inner?: number }} Unit
 * @typedef {{ key: string, from: string, to: string, edges: Edge[] }} Link
 * @typedef {{ group: string, units: string[] }} Frame
 * @typedef {{ mode: 'flat' | 'overview' | 'focus', units: Unit[], frames: Frame[], links: Link[],
 *   tiers?: Map<string, number>, focus?: string, workloads: number, calls: number }} Scene
 * @typedef {{ expand?: Iterable<string>, focus?: string }} View
 */

/** Up to this many workloads the whole map is drawn workload by workload. */
export const FLAT_LIMIT = 60
/** A focused workload with more direct neighbours than this has them aggregated per namespace. */
export const FOCUS_LIMIT = 60

export const groupUnitKey = (/** @type {string} */ group) => `group:${group}`

/** Workloads and namespaces of a map, each workload with its calls in and out. */
export function indexMap (/** @type {Edge[]} */ edges) {
  /** @type {Map<string, Workload>} */
  const workloads = new Map()
  /** @type {Map<Edge, [string, string]>} */
  const ends = new Map()
  const get = (/** @type {Identity} */ id) => {
    const key = idKey(id)
    let w = workloads.get(key)
    if (!w) {
      // The server side carries the Service it was reached through; the box shows the workload.
      const { service, ...bare } = id
      w = { key, id: bare, group: groupOf(id), out: [], in: [] }
      workloads.set(key, w)
    }
    return w
  }
  for (const e of edges) {
    const c = get(e.client)
    const s = get(e.server)
    c.out.push(e)
    s.in.push(e)
    ends.set(e, [c.key, s.key])
  }
  /** @type {Map<string, string[]>} */
  const groups = new Map()
  for (const w of [...workloads.values()].sort((a, b) => cmp(a.key, b.key))) {
    const list = groups.get(w.group)
    if (list) list.push(w.key); else groups.set(w.group, [w.key])
  }
  return { workloads, groups, edges, ends }
}

const cmp = (/** @type {string} */ a, /** @type {string} */ b) => a < b ? -1 : a > b ? 1 : 0

/** @returns {Unit} */
function workloadUnit (/** @type {Workload} */ w, withGroup = false) {
  const sub = withGroup && w.id.namespace ? `${w.id.kind} · ${w.id.namespace}` : w.id.kind
  return { key: w.key, type: 'workload', group: w.group, id: w.id, title: w.id.name, sub }
}

/** @returns {Unit} */
function groupUnit (/** @type {string} */ group, /** @type {number} */ workloads, /** @type {number | undefined} */ of = undefined) {
  const noun = group === '~external' ? 'name' : group === '~node' ? 'node' : 'workload'
  const sub = of === undefined ? plural(workloads, noun) : `${workloads} of ${plural(of, noun)}`
  return { key: groupUnitKey(group), type: 'group', group, title: groupName(group), sub, workloads, inner: 0 }
}

/** Calls between the same two boxes become one arrow. */
function aggregate (/** @type {MapIndex} */ index, /** @type {Iterable<Edge>} */ edges, /** @type {(key: string) => string} */ unitOf) {
  /** @type {Map<string, Link>} */
  const links = new Map()
  for (const e of edges) {
    const [c, s] = index.ends.get(e) ?? [idKey(e.client), idKey(e.server)]
    const from = unitOf(c)
    const to = unitOf(s)
    const key = `${from} -> ${to}`
    const l = links.get(key)
    if (l) l.edges.push(e); else links.set(key, { key, from, to, edges: [e] })
  }
  return [...links.values()].sort((a, b) => cmp(a.key, b.key))
}

/** @returns {Scene} */
export function buildScene (/** @type {MapIndex} */ index, /** @type {View} */ view = {}, limits = { flat: FLAT_LIMIT, focus: FOCUS_LIMIT }) {
  const focus = view.focus !== undefined ? index.workloads.get(view.focus) : undefined
  if (focus) return focusScene(index, focus, new Set(view.expand ?? []), limits.focus)
  const flat = index.workloads.size <= limits.flat
  const expanded = flat ? new Set(index.groups.keys()) : new Set([...(view.expand ?? [])].filter((g) => index.groups.has(g)))
  /** @type {Unit[]} */
  const units = []
  /** @type {Frame[]} */
  const frames = []
  /** @type {Map<string, Unit>} */
  const collapsed = new Map()
  for (const [group, members] of [...index.groups].sort((a, b) => cmp(a[0], b[0]))) {
    if (expanded.has(group)) {
      frames.push({ group, units: members })
      for (const k of members) units.push(workloadUnit(/** @type {Workload} */ (index.workloads.get(k))))
    } else {
      const u = groupUnit(group, members.length)
      collapsed.set(group, u)
      units.push(u)
    }
  }
  const unitOf = (/** @type {string} */ key) => {
    const w = /** @type {Workload} */ (index.workloads.get(key))
    return expanded.has(w.group) ? key : groupUnitKey(w.group)
  }
  const links = []
  for (const l of aggregate(index, index.edges, unitOf)) {
    const self = collapsed.get(l.from.slice('group:'.length))
    if (l.from === l.to && self) self.inner = l.edges.length // calls inside a closed namespace: counted on its box
    else links.push(l)
  }
  for (const u of collapsed.values()) if (u.inner) u.sub += ` · ${plural(u.inner, 'call')}`
  return { mode: flat ? 'flat' : 'overview', units, frames, links, workloads: index.workloads.size, calls: index.edges.length }
}

/** The focused workload in the middle, its clients to the left, its servers to the right. */
function focusScene (/** @type {MapIndex} */ index, /** @type {Workload} */ focus, /** @type {Set<string>} */ expand, /** @type {number} */ limit) {
  const edges = [...focus.out, ...focus.in.filter((e) => idKey(e.client) !== focus.key)]
  const neighbours = new Set()
  for (const e of edges) for (const id of [e.client, e.server]) if (idKey(id) !== focus.key) neighbours.add(idKey(id))
  const aggregated = neighbours.size > limit
  const unitOf = (/** @type {string} */ key) => {
    if (key === focus.key || !aggregated) return key
    const w = /** @type {Workload} */ (index.workloads.get(key))
    return expand.has(w.group) ? key : groupUnitKey(w.group)
  }
  const links = aggregate(index, edges, unitOf)
  /** @type {Map<string, Unit>} */
  const units = new Map([[focus.key, workloadUnit(focus, true)]])
  /** @type {Map<string, Set<string>>} */
  const members = new Map()
  for (const k of neighbours) {
    const u = unitOf(k)
    if (u === k) units.set(k, workloadUnit(/** @type {Workload} */ (index.workloads.get(k)), true))
    else (members.get(u) ?? members.set(u, new Set()).get(u))?.add(k)
  }
  for (const [u, set] of members) {
    const group = u.slice('group:'.length)
    units.set(u, groupUnit(group, set.size, index.groups.get(group)?.length ?? set.size))
  }
  // Columns: clients (and workloads that are both) left, the focus in the middle, servers right.
  const tiers = new Map([[focus.key, 1]])
  for (const l of links) {
    if (l.to === focus.key && l.from !== focus.key) tiers.set(l.from, 0)
    else if (l.from === focus.key && l.to !== focus.key && tiers.get(l.to) !== 0) tiers.set(l.to, 2)
  }
  return {
    mode: /** @type {const} */ ('focus'),
    units: [...units.values()].sort((a, b) => cmp(a.key, b.key)),
    frames: [],
    links,
    tiers,
    focus: focus.key,
    workloads: index.workloads.size,
    calls: index.edges.length
  }
}
