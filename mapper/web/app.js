// podmap web page: fetches GET /api/v1/map (and GET /api/v1/shadow when the mapper has it), lays
// the workloads out in namespace boxes ordered left to right by who calls whom, and draws the calls
// as SVG arrows. Names come from the cluster: every one goes through textContent or setAttribute
// and is never parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg'
const REFRESH_MS = 15_000
const G = { nodeH: 44, nodeGap: 14, subGap: 96, pad: 16, head: 30, colGap: 150, groupGap: 28, minW: 132, maxW: 260 }

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))
const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('graph')))

const state = {
  edges: /** @type {any[]} */ ([]),
  denied: /** @type {Map<string, string[]>} */ (new Map()),
  shadow: 'unknown',
  namespaces: /** @type {Set<string>} */ (new Set()),
  selected: /** @type {string | undefined} */ (undefined),
  view: { x: 0, y: 0, k: 1 },
  userMoved: false,
  layout: /** @type {any} */ (undefined),
  seq: 0
}

// ---- identities -------------------------------------------------------------------------------

export function idKey (id) { return id.namespace ? `${id.kind} ${id.namespace}/${id.name}` : `${id.kind} ${id.name}` }
export function edgeKey (e) { return `${idKey(e.client)} -> ${idKey(e.server)}` }
const groupKey = (id) => id.namespace ?? (id.kind === 'External' ? '~external' : `~${id.kind}`)
const groupLabel = (key) => key === '~external' ? 'EXTERNAL' : key.startsWith('~') ? key.slice(1).toUpperCase() : `NAMESPACE ${key.toUpperCase()}`
const portsText = (e) => e.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')

// ---- layout: namespace boxes in columns by longest call path, workloads in sub-columns ---------

/** Longest-path rank of each key over the links; bounded, so cycles cannot loop. */
function ranks (keys, links) {
  const r = new Map(keys.map((k) => [k, 0]))
  for (let i = 0; i < keys.length; i++) {
    let changed = false
    for (const [a, b] of links) {
      const v = (r.get(a) ?? 0) + 1
      if (v > (r.get(b) ?? 0) && v < keys.length) { r.set(b, v); changed = true }
    }
    if (!changed) break
  }
  return r
}

function byRank (keys, rank) {
  const cols = []
  for (const k of keys) (cols[rank.get(k) ?? 0] ??= []).push(k)
  return cols.filter(Boolean).map((c) => c.sort())
}

const mean = (xs) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity

export function layout (edges, measure) {
  const nodes = new Map()
  for (const e of edges) {
    for (const id of [e.client, e.server]) {
      const key = idKey(id)
      if (!nodes.has(key)) nodes.set(key, { key, id, group: groupKey(id), ...measure(id) })
    }
  }
  const links = edges.map((e) => [idKey(e.client), idKey(e.server)]).filter(([a, b]) => a !== b)
  const neighbours = new Map([...nodes.keys()].map((k) => [k, []]))
  for (const [a, b] of links) { neighbours.get(a).push(b); neighbours.get(b).push(a) }

  const groupKeys = [...new Set([...nodes.values()].map((n) => n.group))].sort()
  const groupLinks = links.map(([a, b]) => [nodes.get(a).group, nodes.get(b).group]).filter(([a, b]) => a !== b)
  const columns = byRank(groupKeys, ranks(groupKeys, groupLinks))
  const groups = new Map(groupKeys.map((g) => {
    const members = [...nodes.values()].filter((n) => n.group === g).map((n) => n.key).sort()
    const inner = links.filter(([a, b]) => nodes.get(a).group === g && nodes.get(b).group === g)
    const subcols = byRank(members, ranks(members, inner))
    return [g, { key: g, label: groupLabel(g), external: g === '~external', subcols, x: 0, y: 0, w: 0, h: 0 }]
  }))

  const place = () => {
    let x = 0
    const heights = []
    for (const col of columns) {
      let y = 0
      let colW = 0
      for (const gk of col) {
        const g = groups.get(gk)
        const rows = Math.max(...g.subcols.map((c) => c.length))
        const widths = g.subcols.map((c) => Math.max(...c.map((k) => nodes.get(k).w)))
        g.w = Math.max(G.pad * 2 + widths.reduce((a, b) => a + b, 0) + G.subGap * (widths.length - 1), measure.label(g.label) + G.pad * 2)
        g.h = G.head + G.pad + rows * G.nodeH + (rows - 1) * G.nodeGap
        g.x = x; g.y = y
        let nx = x + G.pad
        g.subcols.forEach((c, i) => {
          const offset = (rows - c.length) * (G.nodeH + G.nodeGap) / 2
          c.forEach((k, j) => { const n = nodes.get(k); n.x = nx; n.y = y + G.head + offset + j * (G.nodeH + G.nodeGap); n.h = G.nodeH })
          nx += (widths[i] ?? 0) + G.subGap
        })
        y += g.h + G.groupGap
        colW = Math.max(colW, g.w)
      }
      heights.push(y - G.groupGap)
      for (const gk of col) groups.get(gk).colW = colW
      x += colW + G.colGap
    }
    // Centre each column vertically against the tallest one.
    const height = Math.max(0, ...heights)
    columns.forEach((col, i) => {
      const dy = (height - (heights[i] ?? 0)) / 2
      for (const gk of col) {
        groups.get(gk).y += dy
        for (const c of groups.get(gk).subcols) for (const k of c) nodes.get(k).y += dy
      }
    })
    return { width: Math.max(0, x - G.colGap), height }
  }

  // Two barycentre sweeps: order boxes in a column and workloads in a sub-column by where their
  // neighbours are, so arrows cross less.
  let size = place()
  for (let sweep = 0; sweep < 2; sweep++) {
    const cy = (k) => nodes.get(k).y + G.nodeH / 2
    const bary = (k) => mean(neighbours.get(k).map(cy))
    for (const col of columns) col.sort((a, b) => mean(groups.get(a).subcols.flat().map(bary).filter(Number.isFinite)) - mean(groups.get(b).subcols.flat().map(bary).filter(Number.isFinite)) || a.localeCompare(b))
    for (const g of groups.values()) for (const c of g.subcols) c.sort((a, b) => bary(a) - bary(b) || a.localeCompare(b))
    size = place()
  }

  const all = [...nodes.values()]
  // Arrows leaving (or entering) one box fan out along its side, ordered by where they go.
  const spread = new Map()
  const fan = (keyOf, otherOf) => {
    const by = new Map()
    for (const e of edges) (by.get(keyOf(e)) ?? by.set(keyOf(e), []).get(keyOf(e))).push(e)
    for (const list of by.values()) {
      list.sort((a, b) => nodes.get(otherOf(a)).y - nodes.get(otherOf(b)).y || otherOf(a).localeCompare(otherOf(b)))
      list.forEach((e, i) => spread.set(`${keyOf === outKey ? 'o' : 'i'} ${edgeKey(e)}`, (i - (list.length - 1) / 2) * Math.min(8, 28 / list.length)))
    }
  }
  const outKey = (e) => idKey(e.client)
  const inKey = (e) => idKey(e.server)
  fan(outKey, inKey)
  fan(inKey, outKey)
  const drawn = edges.map((e) => ({
    edge: e, key: edgeKey(e),
    ...route(nodes.get(idKey(e.client)), nodes.get(idKey(e.server)), all, spread.get(`o ${edgeKey(e)}`) ?? 0, spread.get(`i ${edgeKey(e)}`) ?? 0)
  }))
  return { nodes: all, groups: [...groups.values()], edges: drawn, ...size }
}

const ease = (u) => u * u * (3 - 2 * u)

/** Workload boxes (other than the ends) that the plain curve from (x1, sy) to (x2, ty) would pass through. */
function blockers (all, s, t, x1, sy, x2, ty) {
  const lo = Math.min(x1, x2)
  const hi = Math.max(x1, x2)
  return all.filter((n) => {
    if (n === s || n === t || n.x + n.w <= lo || n.x >= hi) return false
    for (let i = 0; i <= 4; i++) {
      const x = Math.min(hi, Math.max(lo, n.x + (n.w * i) / 4))
      const y = sy + (ty - sy) * ease((x - x1) / (x2 - x1))
      if (y >= n.y - 6 && y <= n.y + n.h + 6) return true
    }
    return false
  })
}

function route (s, t, all, sOffset = 0, tOffset = 0) {
  const sy = s.y + s.h / 2 + sOffset
  const ty = t.y + t.h / 2 + tOffset
  if (s === t) {
    const x = s.x + s.w
    return { d: `M${x},${sy - 8} C${x + 56},${sy - 34} ${x + 56},${sy + 34} ${x + 4},${sy + 8}`, lx: x + 46, ly: sy + 4 }
  }
  let x1, x2, c1, c2
  const forward = t.x >= s.x + s.w + 24
  if (forward || t.x + t.w + 24 <= s.x) { // right side to left side, or back: left side to right side
    x1 = forward ? s.x + s.w : s.x
    x2 = forward ? t.x - 2 : t.x + t.w + 2
    const blocked = blockers(all, s, t, x1, sy, x2, ty)
    if (blocked.length > 0) {
      // Detour through the gutter just above or below the boxes in the way, whichever is nearer.
      const below = Math.max(...blocked.map((n) => n.y + n.h)) + G.nodeGap / 2 + 2
      const above = Math.min(...blocked.map((n) => n.y)) - G.nodeGap / 2 - 2
      const lane = Math.abs(below - sy) + Math.abs(below - ty) <= Math.abs(above - sy) + Math.abs(above - ty) ? below : above
      const xa = forward ? Math.min(...blocked.map((n) => n.x)) - 16 : Math.max(...blocked.map((n) => n.x + n.w)) + 16
      const xb = forward ? Math.max(...blocked.map((n) => n.x + n.w)) + 16 : Math.min(...blocked.map((n) => n.x)) - 16
      const m1 = (x1 + xa) / 2
      const m2 = (xb + x2) / 2
      return {
        d: `M${x1},${sy} C${m1},${sy} ${m1},${lane} ${xa},${lane} L${xb},${lane} C${m2},${lane} ${m2},${ty} ${x2},${ty}`,
        lx: (xb + x2) / 2, ly: (lane + ty) / 2 - 5
      }
    }
    const dx = (x2 - x1) / 2; c1 = x1 + dx; c2 = x2 - dx
  } else { // same column: a bow out to the right
    x1 = s.x + s.w; x2 = t.x + t.w + 2
    c1 = c2 = Math.max(x1, x2) + 40 + Math.abs(ty - sy) * 0.25
  }
  const lx = 0.125 * x1 + 0.375 * c1 + 0.375 * c2 + 0.125 * x2
  return { d: `M${x1},${sy} C${c1},${sy} ${c2},${ty} ${x2},${ty}`, lx, ly: (sy + ty) / 2 - 5 }
}

// ---- SVG drawing --------------------------------------------------------------------------------

function el (tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

function makeMeasure () {
  // Probes sit in the same classes as what they measure, so the stylesheet's fonts apply.
  const probes = { node: el('g', { class: 'node', visibility: 'hidden' }), group: el('g', { class: 'group', visibility: 'hidden' }) }
  svg.append(probes.node, probes.group)
  const width = (text, where, cls) => {
    const t = el('text', { class: cls }, text)
    probes[where].append(t)
    try { return t.getComputedTextLength() || text.length * 7.5 } catch { return text.length * 7.5 } finally { t.remove() }
  }
  const fit = (text, max) => {
    if (width(text, 'node', 'name') <= max) return text
    let t = text
    while (t.length > 4 && width(t + '…', 'node', 'name') > max) t = t.slice(0, -1)
    return t + '…'
  }
  const measure = (id) => {
    const name = fit(id.name, G.maxW - 30)
    const w = Math.min(G.maxW, Math.max(G.minW, width(name, 'node', 'name') + 30, width(id.kind, 'node', 'kind') + 30))
    return { w, shownName: name }
  }
  measure.label = (text) => width(text, 'group', '')
  measure.done = () => { probes.node.remove(); probes.group.remove() }
  return measure
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

function describe (e) {
  const via = e.server.service ? ` through Service ${e.server.service}` : ''
  const denied = state.denied.has(edgeKey(e)) ? '; would be denied by policy' : ''
  return `${idKey(e.client)} calls ${idKey(e.server)}${via} on ${portsText(e)}; evidence ${e.evidence.join(', ')}${denied}`
}

function render () {
  // A refresh redraws everything: keep keyboard focus on the same call.
  const focused = document.activeElement?.closest?.('#graph .edge')?.getAttribute('data-key')
  svg.replaceChildren()
  const measure = makeMeasure()
  const lay = layout(state.edges, measure)
  state.layout = lay
  const viewport = el('g', { id: 'viewport' })
  const groupsG = el('g', { class: 'groups' })
  const edgesG = el('g', { class: 'edges' })
  const nodesG = el('g', { class: 'nodes' })
  for (const g of lay.groups) {
    const box = el('g', { class: `group${g.external ? ' external' : ''}`, 'data-group': g.key })
    box.append(el('rect', { x: g.x, y: g.y, width: g.w, height: g.h, rx: 10 }), el('text', { x: g.x + G.pad, y: g.y + 20 }, g.label))
    groupsG.append(box)
  }
  const sorted = [...lay.edges].sort((a, b) => a.key.localeCompare(b.key))
  for (const d of sorted) {
    const e = d.edge
    const denied = state.denied.has(d.key)
    const g = el('g', {
      class: `edge${denied ? ' denied' : ''}${d.key === state.selected ? ' selected' : ''}`,
      tabindex: 0, role: 'button', 'aria-pressed': String(d.key === state.selected), 'aria-label': describe(e),
      'data-key': d.key, 'data-client': idKey(e.client), 'data-server': idKey(e.server),
      'data-ports': portsText(e), 'data-evidence': e.evidence.join(','), 'data-denied': String(denied)
    })
    const ports = e.ports.length > 2 ? `${e.ports.slice(0, 2).map((p) => `${p.port}/${p.protocol}`).join(', ')} +${e.ports.length - 2}` : portsText(e)
    g.append(el('path', { class: 'hit', d: d.d }), el('path', { class: 'line', d: d.d }),
      el('text', { class: 'label', x: d.lx, y: d.ly, 'text-anchor': 'middle' }, ports), el('title', {}, describe(e)))
    g.addEventListener('click', (ev) => { ev.stopPropagation(); select(d.key) })
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(d.key) } })
    edgesG.append(g)
  }
  for (const n of lay.nodes) {
    const g = el('g', {
      class: `node kind-${n.id.kind.toLowerCase()}`, 'data-node': n.key, 'data-kind': n.id.kind,
      'data-namespace': n.id.namespace ?? '', 'data-name': n.id.name, transform: `translate(${n.x} ${n.y})`
    })
    g.append(el('rect', { class: 'box', width: n.w, height: n.h, rx: 7 }), el('rect', { class: 'band', width: 5, height: n.h - 12, x: 6, y: 6, rx: 2 }),
      el('text', { class: 'kind', x: 18, y: 17 }, n.id.kind), el('text', { class: 'name', x: 18, y: 34 }, n.shownName), el('title', {}, n.key))
    g.addEventListener('pointerenter', () => highlight(n.key))
    g.addEventListener('pointerleave', () => highlight(undefined))
    nodesG.append(g)
  }
  measure.done()
  viewport.append(groupsG, edgesG, nodesG)
  svg.append(defs(), viewport)
  svg.setAttribute('aria-label', `Call graph: ${lay.nodes.length} workloads, ${lay.edges.length} calls`)
  svg.dataset.edgeCount = String(lay.edges.length)
  $('empty').hidden = lay.edges.length > 0
  if (!state.userMoved) fit(); else applyView()
  showDetails()
  if (focused) for (const g of svg.querySelectorAll('.edge')) if (g.getAttribute('data-key') === focused) g.focus()
}

function highlight (nodeKey) {
  svg.classList.toggle('dimmed', nodeKey !== undefined)
  for (const g of svg.querySelectorAll('.edge')) {
    const on = nodeKey !== undefined && (g.getAttribute('data-client') === nodeKey || g.getAttribute('data-server') === nodeKey)
    g.classList.toggle('related', on)
  }
}

// ---- pan and zoom -----------------------------------------------------------------------------

function applyView () {
  const v = state.view
  svg.querySelector('#viewport')?.setAttribute('transform', `translate(${v.x} ${v.y}) scale(${v.k})`)
}

function fit () {
  const lay = state.layout
  const box = svg.getBoundingClientRect()
  if (!lay || lay.width === 0 || box.width === 0) { state.view = { x: 0, y: 0, k: 1 }; applyView(); return }
  const m = 56
  const k = Math.max(0.2, Math.min(1.5, (box.width - 2 * m) / lay.width, (box.height - 2 * m) / lay.height))
  state.view = { k, x: (box.width - lay.width * k) / 2, y: (box.height - lay.height * k) / 2 }
  applyView()
}

function zoomAt (factor, px, py) {
  const v = state.view
  const k = Math.min(4, Math.max(0.2, v.k * factor))
  state.view = { k, x: px - (px - v.x) * (k / v.k), y: py - (py - v.y) * (k / v.k) }
  state.userMoved = true
  applyView()
}

function wirePanZoom () {
  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault()
    const r = svg.getBoundingClientRect()
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top)
  }, { passive: false })
  let drag
  svg.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || /** @type {Element} */ (ev.target).closest('.edge')) return
    drag = { x: ev.clientX, y: ev.clientY, vx: state.view.x, vy: state.view.y, moved: false }
    svg.setPointerCapture(ev.pointerId)
    svg.classList.add('panning')
  })
  svg.addEventListener('pointermove', (ev) => {
    if (!drag) return
    const dx = ev.clientX - drag.x
    const dy = ev.clientY - drag.y
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true
    if (!drag.moved) return
    state.view = { ...state.view, x: drag.vx + dx, y: drag.vy + dy }
    state.userMoved = true
    applyView()
  })
  const end = () => {
    if (drag && !drag.moved) select(undefined)
    drag = undefined
    svg.classList.remove('panning')
  }
  svg.addEventListener('pointerup', end)
  svg.addEventListener('pointercancel', end)
  const centre = () => { const r = svg.getBoundingClientRect(); return [r.width / 2, r.height / 2] }
  $('zoom-in').addEventListener('click', () => zoomAt(1.25, ...centre()))
  $('zoom-out').addEventListener('click', () => zoomAt(0.8, ...centre()))
  $('zoom-fit').addEventListener('click', () => { state.userMoved = false; fit() })
  window.addEventListener('resize', () => { if (!state.userMoved) fit() })
}

// ---- details panel ------------------------------------------------------------------------------

function select (key) {
  state.selected = key
  for (const g of svg.querySelectorAll('.edge')) {
    const on = g.getAttribute('data-key') === key
    g.classList.toggle('selected', on)
    g.setAttribute('aria-pressed', String(on))
  }
  showDetails()
}

const when = (iso) => {
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return iso
  const s = Math.round((Date.now() - t) / 1000)
  const ago = s < 60 ? `${Math.max(s, 0)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`
  const d = new Date(t)
  const day = d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString()
  return `${day} (${ago})`
}

function showDetails () {
  const list = $('details-list')
  const e = state.edges.find((x) => edgeKey(x) === state.selected)
  if (!e) state.selected = undefined
  list.hidden = !e
  $('details-hint').hidden = Boolean(e)
  list.replaceChildren()
  if (!e) return
  const row = (label, field, value, cls) => {
    const dt = document.createElement('dt')
    dt.textContent = label
    const dd = document.createElement('dd')
    dd.dataset.field = field
    if (cls) dd.className = cls
    dd.textContent = value
    list.append(dt, dd)
  }
  row('Client', 'client', idKey(e.client))
  row('Server', 'server', idKey(e.server))
  if (e.server.service) row('Service', 'service', e.server.service)
  row('Ports', 'ports', portsText(e), 'mono')
  row('Evidence', 'evidence', e.evidence.join(','), 'mono')
  if (e.addresses?.length) row('Addresses', 'addresses', e.addresses.join(', '), 'mono')
  row('First seen', 'first-seen', when(e.firstSeen))
  row('Last seen', 'last-seen', when(e.lastSeen))
  const reasons = state.denied.get(edgeKey(e))
  if (reasons !== undefined) row('Policy', 'policy', `would be denied: ${reasons.join('; ')}`, 'denied')
  else if (state.shadow === 'ok') row('Policy', 'policy', 'allowed')
}

// ---- data ---------------------------------------------------------------------------------------

function query () {
  const p = new URLSearchParams()
  const ns = /** @type {HTMLSelectElement} */ ($('namespace')).value
  const win = /** @type {HTMLSelectElement} */ ($('window')).value
  if (ns) p.set('namespace', ns)
  if (win) p.set('since', win)
  return p
}

async function getJson (path, params) {
  const qs = params.toString()
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers: { accept: 'application/json' } })
  if (!res.ok) {
    const err = new Error(`${path} answered ${res.status}`)
    err.status = res.status
    throw err
  }
  return res.json()
}

/**
 * Would-be-denied calls (GET /api/v1/shadow, src/contract/shadow.ts: `denied[]` of client, server,
 * optional port and the policies denying it per direction), as edge key -> human-readable reasons.
 */
export function deniedFrom (body) {
  const out = new Map()
  for (const call of Array.isArray(body?.denied) ? body.denied : []) {
    if (!call?.client?.kind || !call?.server?.kind) continue
    const key = edgeKey(call)
    const by = (Array.isArray(call.deniedBy) ? call.deniedBy : [])
      .map((d) => `${d.direction} (${Array.isArray(d.policies) && d.policies.length ? d.policies.join(', ') : `namespace ${d.namespace}`})`)
      .join('; ')
    const port = call.port ? `${call.port.port}/${call.port.protocol}` : 'any port'
    out.set(key, [...(out.get(key) ?? []), by ? `${port} by ${by}` : port])
  }
  return out
}

async function load () {
  const seq = ++state.seq
  const params = query()
  document.body.dataset.state = 'loading'
  history.replaceState(null, '', params.toString() ? `?${params}` : location.pathname)
  try {
    const [map, shadow] = await Promise.all([
      getJson('/api/v1/map', params),
      getJson('/api/v1/shadow', new URLSearchParams()).then((b) => ({ ok: true, b }), (err) => ({ ok: false, status: err.status }))
    ])
    if (seq !== state.seq) return
    state.edges = Array.isArray(map?.edges) ? map.edges : []
    state.shadow = shadow.ok ? 'ok' : shadow.status === 404 ? 'absent' : 'error'
    state.denied = shadow.ok ? deniedFrom(shadow.b) : new Map()
    for (const e of state.edges) for (const id of [e.client, e.server]) if (id.namespace) state.namespaces.add(id.namespace)
    syncNamespaces()
    render()
    const workloads = state.layout.nodes.length
    status(`${state.edges.length} call${state.edges.length === 1 ? '' : 's'} between ${workloads} workload${workloads === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`)
    const shown = state.edges.filter((e) => state.denied.has(edgeKey(e))).length
    $('shadow-note').textContent = state.shadow === 'ok'
      ? `Policy check: ${shown} call${shown === 1 ? '' : 's'} would be denied`
      : state.shadow === 'absent' ? 'Policy check: not available on this mapper' : 'Policy check: could not be loaded'
    document.body.dataset.state = 'ready'
  } catch (err) {
    if (seq !== state.seq) return
    status(`Could not load the map: ${err.message}`, true)
    document.body.dataset.state = 'error'
  }
}

function status (text, error = false) {
  const s = $('status')
  s.textContent = text
  s.classList.toggle('error', error)
}

function syncNamespaces () {
  const sel = /** @type {HTMLSelectElement} */ ($('namespace'))
  const current = sel.value
  if (current) state.namespaces.add(current)
  const options = [new Option('All namespaces', '')]
  for (const ns of [...state.namespaces].sort()) options.push(new Option(ns, ns))
  sel.replaceChildren(...options)
  sel.value = current
}

function start () {
  const params = new URLSearchParams(location.search)
  const ns = params.get('namespace')
  if (ns) { state.namespaces.add(ns); syncNamespaces(); /** @type {HTMLSelectElement} */ ($('namespace')).value = ns }
  const win = params.get('since')
  if (win) /** @type {HTMLSelectElement} */ ($('window')).value = win
  $('namespace').addEventListener('change', () => { state.userMoved = false; void load() })
  $('window').addEventListener('change', () => { state.userMoved = false; void load() })
  $('refresh').addEventListener('click', () => { void load() })
  $('filters').addEventListener('submit', (ev) => ev.preventDefault())
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') select(undefined) })
  wirePanZoom()
  void load()
  setInterval(() => { if (document.visibilityState === 'visible' && document.body.dataset.state !== 'loading') void load() }, REFRESH_MS)
}

start()
