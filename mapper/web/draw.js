// The picture as SVG. Names come from the cluster: every one goes through textContent or
// setAttribute and is never parsed as markup. Boxes and arrows are buttons (Tab, Enter) with a
// spoken description; events are handled once on the SVG (wireGraph), not per element.

import { BOX_TEXT } from './picture.js'
import { idKey, plural, portText, portsText } from './identity.js'

/**
 * @typedef {import('./picture.js').Picture} Picture
 * @typedef {import('./picture.js').PictureLink} PictureLink
 * @typedef {import('./picture.js').PictureBox} PictureBox
 * @typedef {import('./scene.js').Unit} Unit
 * @typedef {import('./identity.js').Edge} Edge
 */

const SVG_NS = 'http://www.w3.org/2000/svg'

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 */
export function el (tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

function defs () {
  const d = el('defs')
  for (const id of ['arrow', 'arrow-denied', 'arrow-selected']) {
    const m = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto' })
    m.append(el('path', { d: 'M0,1 L10,5 L0,9 z' }))
    d.append(m)
  }
  return d
}

/** An aggregated arrow's width class: 1 call, up to 4, up to 15, more. */
const weight = (/** @type {number} */ calls) => calls <= 1 ? 1 : calls <= 4 ? 2 : calls <= 15 ? 3 : 4

/** How a box is named to a person: `namespace shop`, or the workload's key. */
export function unitName (/** @type {Unit} */ u) {
  if (u.type === 'workload') return u.key
  return u.group.startsWith('~') ? `all ${u.title}` : `namespace ${u.title}`
}

/** The spoken and hovered description of an arrow. */
export function describeLink (/** @type {PictureLink} */ l, /** @type {Map<string, Unit>} */ units) {
  const e = l.link.edges[0]
  if (!l.aggregated && e) {
    const via = e.server.service ? ` through Service ${e.server.service}` : ''
    const denied = l.denied ? '; would be denied by policy' : ''
    return `${idKey(e.client)} calls ${idKey(e.server)}${via} on ${portsText(e.ports)}; evidence ${e.evidence.join(', ')}${denied}`
  }
  const from = units.get(l.link.from)
  const to = units.get(l.link.to)
  const ports = l.ports.slice(0, 6).map((p) => `${portText(p)} (${p.calls})`).join(', ') + (l.ports.length > 6 ? `, ${l.ports.length - 6} more ports` : '')
  const denied = l.denied ? `; ${l.denied} would be denied by policy` : ''
  return `${from ? unitName(from) : l.link.from} calls ${to ? unitName(to) : l.link.to}: ${plural(l.calls, 'call')} on ${ports || 'no port seen'}${denied}`
}

/** `24 workloads, 61 calls between them`. */
function groupSummary (/** @type {Unit} */ u) {
  const noun = u.group === '~external' ? 'name' : u.group === '~node' ? 'node' : 'workload'
  return `${plural(u.workloads ?? 0, noun)}${u.inner ? `, ${plural(u.inner, 'call')} between them` : ''}`
}

function describeBox (/** @type {PictureBox} */ b, /** @type {boolean} */ focused, /** @type {boolean} */ openable) {
  const u = b.unit
  if (u.type === 'group') return `${unitName(u)}: ${groupSummary(u)}. Press Enter to open it in place.`
  if (focused) return `${u.key}, focused: its clients and servers are shown.`
  return `${u.key}${openable ? '. Press Enter to focus on it and its clients and servers.' : ''}`
}

/**
 * Replaces the graph with the picture.
 * @param {SVGSVGElement} svg
 * @param {Picture} pic
 * @param {{ selected?: string, focus?: string, collapsible: boolean }} state
 */
export function drawPicture (svg, pic, state) {
  const units = new Map(pic.boxes.map((b) => [b.key, b.unit]))
  const viewport = el('g', { id: 'viewport' })
  const groupsG = el('g', { class: 'groups' })
  // Wide, invisible strokes that make arrows easy to hit lie under every arrow, so an arrow's
  // label is never covered by another arrow's hit area.
  const hitsG = el('g', { class: 'hits' })
  const edgesG = el('g', { class: 'edges' })
  const nodesG = el('g', { class: 'nodes' })
  for (const f of pic.frames) {
    const g = el('g', { class: `group${f.group === '~external' ? ' external' : ''}`, 'data-group': f.group })
    const title = el('text', { class: 'group-title', x: f.tx, y: f.ty }, f.title)
    if (state.collapsible) {
      title.setAttribute('role', 'button')
      title.setAttribute('tabindex', '0')
      title.setAttribute('data-collapse', f.group)
      title.setAttribute('aria-label', `Close ${f.group.startsWith('~') ? f.title.toLowerCase() : `namespace ${f.group}`}`)
      title.append(el('title', {}, 'Close: draw it as one box again'))
    }
    g.append(el('rect', { x: f.x, y: f.y, width: f.w, height: f.h, rx: 10 }), title)
    groupsG.append(g)
  }
  for (const l of pic.links) {
    const e = l.link.edges[0]
    const text = describeLink(l, units)
    const selected = l.key === state.selected
    /** @type {Record<string, string | number>} */
    const attrs = {
      class: `edge${l.aggregated ? ` aggregated weight-${weight(l.calls)}` : ''}${l.denied ? ' denied' : ''}${selected ? ' selected' : ''}`,
      tabindex: 0, role: 'button', 'aria-pressed': String(selected), 'aria-label': text,
      'data-key': l.key, 'data-client': l.link.from, 'data-server': l.link.to, 'data-calls': l.calls,
      'data-ports': l.aggregated ? l.ports.map(portText).join(', ') : portsText(e?.ports ?? []),
      'data-evidence': [...new Set(l.link.edges.flatMap((x) => x.evidence))].sort().join(','),
      'data-denied': String(l.denied > 0)
    }
    const g = el('g', attrs)
    hitsG.append(el('path', { class: 'hit', d: l.d, 'data-hit': l.key }))
    g.append(el('path', { class: 'line', d: l.d }))
    if (l.label) g.append(el('text', { class: 'label', x: Math.round(l.label.cx * 10) / 10, y: Math.round(l.label.cy * 10) / 10, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, l.label.text))
    g.append(el('title', {}, text))
    edgesG.append(g)
  }
  for (const b of pic.boxes) {
    const u = b.unit
    const focused = u.key === state.focus
    const kind = u.type === 'group' ? 'namespace' : (u.id?.kind ?? '').toLowerCase()
    const g = el('g', {
      class: `node kind-${kind}${u.type === 'group' ? ' group-unit' : ''}${focused ? ' focused' : ''}`,
      tabindex: 0, role: 'button', 'aria-label': describeBox(b, focused, true),
      'data-node': u.key, 'data-kind': u.type === 'group' ? 'Namespace' : (u.id?.kind ?? ''),
      'data-namespace': u.type === 'group' ? (u.group.startsWith('~') ? '' : u.group) : (u.id?.namespace ?? ''),
      'data-name': u.type === 'group' ? u.title : (u.id?.name ?? ''), transform: `translate(${b.x} ${b.y})`
    })
    if (u.type === 'group') g.setAttribute('data-group-unit', u.group)
    g.append(el('rect', { class: 'box', width: b.w, height: b.h, rx: 7 }), el('rect', { class: 'band', width: 5, height: b.h - 12, x: 6, y: 6, rx: 2 }),
      el('text', { class: 'kind', x: BOX_TEXT.x, y: BOX_TEXT.subY }, b.sub), el('text', { class: 'name', x: BOX_TEXT.x, y: BOX_TEXT.titleY }, b.title),
      el('title', {}, u.type === 'group' ? `${unitName(u)}: ${groupSummary(u)}` : u.key))
    nodesG.append(g)
  }
  viewport.append(groupsG, hitsG, edgesG, nodesG)
  svg.replaceChildren(defs(), viewport)
  raise(svg, state.selected)
}

/** Marks the selected arrow without redrawing, and draws it over the arrows it shares trunks with. */
export function markSelected (/** @type {SVGSVGElement} */ svg, /** @type {string | undefined} */ key) {
  for (const g of svg.querySelectorAll('.edge')) {
    const on = g.getAttribute('data-key') === key
    g.classList.toggle('selected', on)
    g.setAttribute('aria-pressed', String(on))
  }
  raise(svg, key)
}

/** Moves an arrow to the top of the arrows (keyboard focus stays on it). */
function raise (/** @type {SVGSVGElement} */ svg, /** @type {string | undefined} */ key) {
  const g = [...svg.querySelectorAll('.edge')].find((x) => x.getAttribute('data-key') === key)
  const parent = g?.parentNode
  if (!g || !parent || parent.lastChild === g) return
  const focused = document.activeElement === g
  parent.append(g)
  if (focused && g instanceof SVGElement) g.focus()
}

/** Dims the arrows that do not touch a box (while the pointer is on it). */
export function highlight (/** @type {SVGSVGElement} */ svg, /** @type {string | undefined} */ nodeKey) {
  svg.classList.toggle('dimmed', nodeKey !== undefined)
  for (const g of svg.querySelectorAll('.edge')) {
    const on = nodeKey !== undefined && (g.getAttribute('data-client') === nodeKey || g.getAttribute('data-server') === nodeKey)
    g.classList.toggle('related', on)
  }
}

/**
 * Clicks and Enter/Space on arrows, boxes and frame titles, handled once for the whole graph.
 * @param {SVGSVGElement} svg
 * @param {{ onLink: (key: string) => void, onBox: (key: string) => void, onCollapse: (group: string) => void }} on
 */
export function wireGraph (svg, on) {
  const act = (/** @type {Element} */ target) => {
    const collapse = target.closest('[data-collapse]')
    if (collapse) { on.onCollapse(collapse.getAttribute('data-collapse') ?? ''); return true }
    const edge = target.closest('.edge')
    if (edge) { on.onLink(edge.getAttribute('data-key') ?? ''); return true }
    const hit = target.closest('[data-hit]')
    if (hit) { on.onLink(hit.getAttribute('data-hit') ?? ''); return true }
    const node = target.closest('.node')
    if (node) { on.onBox(node.getAttribute('data-node') ?? ''); return true }
    return false
  }
  svg.addEventListener('click', (ev) => { if (act(/** @type {Element} */ (ev.target))) ev.stopPropagation() })
  svg.addEventListener('keydown', (ev) => {
    if ((ev.key === 'Enter' || ev.key === ' ') && act(/** @type {Element} */ (ev.target))) ev.preventDefault()
  })
  /** @type {string | undefined} */
  let hovered
  const hover = (/** @type {string | undefined} */ key) => { if (key !== hovered) { hovered = key; highlight(svg, key) } }
  svg.addEventListener('pointerover', (ev) => {
    const target = /** @type {Element} */ (ev.target)
    hover(target.closest('.node')?.getAttribute('data-node') ?? undefined)
    const key = target.closest('[data-hit]')?.getAttribute('data-hit') ?? target.closest('.edge')?.getAttribute('data-key')
    for (const g of svg.querySelectorAll('.edge.hovered')) if (g.getAttribute('data-key') !== key) g.classList.remove('hovered')
    if (key) for (const g of svg.querySelectorAll('.edge')) if (g.getAttribute('data-key') === key) g.classList.add('hovered')
  })
  svg.addEventListener('pointerleave', () => { hover(undefined); for (const g of svg.querySelectorAll('.edge.hovered')) g.classList.remove('hovered') })
}

