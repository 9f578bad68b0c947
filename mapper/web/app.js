// podmap web page, the composition root: reads the view from the URL, loads the map (and shadow
// mode's verdicts), builds the scene for the view (scene.js), its picture (picture.js: layout,
// routes, labels) and draws it (draw.js); wires the filters, search, pan/zoom and details panel.

import { fetchExplain, fetchMap, fetchShadow } from './api.js'
import { createDetails } from './details.js'
import { drawPicture, markSelected, unitName, wireGraph } from './draw.js'
import { edgeKey, identityRef, idKey, parseIdentityRef, plural } from './identity.js'
import { createMeasure } from './measure.js'
import { createPanZoom } from './pan-zoom.js'
import { picture } from './picture.js'
import { buildScene, indexMap } from './scene.js'
import { findWorkload } from './search.js'
import { mapQuery, readView, writeView } from './url-state.js'

/**
 * @typedef {import('./identity.js').Edge} Edge
 * @typedef {import('./scene.js').MapIndex} MapIndex
 * @typedef {import('./picture.js').Picture} Picture
 * @typedef {import('./api.js').DeniedReason} DeniedReason
 */

const REFRESH_MS = 15_000
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id))
const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('graph')))
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id))
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id))

const state = {
  view: readView(location.search),
  /** @type {MapIndex} */
  index: indexMap([]),
  /** @type {Map<string, DeniedReason[]>} */
  denied: new Map(),
  shadow: 'unknown',
  /** @type {Picture | undefined} */
  picture: undefined,
  /** Each box's column role so far, per kind of view: a refresh keeps boxes where they were. */
  /** @type {Map<string, Map<string, number>>} */
  tiers: new Map(),
  /** @type {string | undefined} */
  selected: undefined,
  namespaces: new Set(/** @type {string[]} */ ([])),
  /** @type {AbortController | undefined} */
  loading: undefined,
  first: true,
  /** The window's shape the layout aims at: taken when the user changes the view, kept on refreshes. */
  aspect: 1.5
}

const measure = createMeasure(svg)
const details = createDetails()
const panZoom = createPanZoom(svg, { onBackgroundClick: () => selectLink(undefined) })

const focusKey = () => {
  const id = state.view.focus ? parseIdentityRef(state.view.focus) : undefined
  return id ? idKey(id) : undefined
}

/** Opened namespaces: those the URL lists, and the one the map is filtered to. */
const expanded = () => [...state.view.expand, ...(state.view.namespace ? [state.view.namespace] : [])]

function status (/** @type {string} */ text, error = false) {
  const s = $('status')
  s.textContent = text
  s.classList.toggle('error', error)
}

/** Draws the current view; `refit` after the user changed what is shown. */
function render (refit = false) {
  const t0 = performance.now()
  const focus = focusKey()
  const scene = buildScene(state.index, { expand: expanded(), ...(focus ? { focus } : {}) })
  const t1 = performance.now()
  const tiers = state.tiers.get(scene.mode) ?? new Map()
  if (refit) {
    const box = svg.getBoundingClientRect()
    if (box.width > 0 && box.height > 0) state.aspect = box.width / box.height
  }
  const pic = picture(scene, measure, { previous: { tiers }, denied: state.denied, aspect: state.aspect })
  for (const [k, t] of pic.layout.tiers) tiers.set(k, t)
  state.tiers.set(scene.mode, tiers)
  const t2 = performance.now()
  // A redraw keeps keyboard focus on the same arrow or box.
  const active = document.activeElement?.closest?.('#graph .edge, #graph .node')
  const activeKey = active?.getAttribute('data-key') ?? active?.getAttribute('data-node')
  state.picture = pic
  if (state.selected && !pic.links.some((l) => l.key === state.selected)) state.selected = undefined
  drawPicture(svg, pic, { ...(state.selected ? { selected: state.selected } : {}), ...(scene.focus ? { focus: scene.focus } : {}), collapsible: scene.mode === 'overview' })
  svg.dataset.mode = scene.mode
  svg.dataset.edgeCount = String(state.index.edges.length)
  svg.dataset.boxCount = String(pic.boxes.length)
  svg.dataset.linkCount = String(pic.links.length)
  svg.setAttribute('aria-label', graphLabel(scene))
  $('empty').hidden = state.index.edges.length > 0
  if (refit) panZoom.refit()
  panZoom.show(pic)
  if (activeKey) {
    const again = [...svg.querySelectorAll('.edge, .node')].find((g) => (g.getAttribute('data-key') ?? g.getAttribute('data-node')) === activeKey)
    if (again instanceof SVGElement) again.focus()
  }
  showFocusNote(scene)
  showDetails()
  const t3 = performance.now()
  performance.measure('podmap:scene', { start: t0, end: t1 })
  performance.measure('podmap:picture', { start: t1, end: t2 })
  performance.measure('podmap:draw', { start: t2, end: t3 })
}

function graphLabel (/** @type {import('./scene.js').Scene} */ scene) {
  const base = `Call graph: ${plural(scene.workloads, 'workload')}, ${plural(scene.calls, 'call')}`
  if (scene.mode === 'flat') return base
  if (scene.mode === 'focus') return `${base}; showing ${scene.focus} with its direct clients and servers`
  const closed = scene.units.filter((u) => u.type === 'group').length
  return `${base}; drawn as ${plural(closed, 'namespace box', 'namespace boxes')}${scene.frames.length ? ` and ${plural(scene.frames.length, 'open namespace')}` : ''}`
}

function showFocusNote (/** @type {import('./scene.js').Scene} */ scene) {
  const note = $('focus-note')
  const wanted = state.view.focus
  if (scene.mode === 'focus' && scene.focus) {
    const w = state.index.workloads.get(scene.focus)
    const clients = new Set(w?.in.map((e) => idKey(e.client)))
    const servers = new Set(w?.out.map((e) => idKey(e.server)))
    $('focus-text').textContent = `Focused on ${scene.focus}: ${plural(clients.size, 'client')}, ${plural(servers.size, 'server')}.`
    note.hidden = false
  } else if (wanted) {
    $('focus-text').textContent = `${wanted} is not in this map.`
    note.hidden = false
  } else note.hidden = true
}

function showDetails () {
  const l = state.picture?.links.find((x) => x.key === state.selected)
  if (!l) { details.clear(); return }
  const e = l.link.edges[0]
  if (!l.aggregated && e) {
    const ctl = new AbortController()
    details.showEdge(e, {
      ...(state.denied.has(edgeKey(e)) ? { denied: state.denied.get(edgeKey(e)) } : {}),
      shadow: state.shadow,
      explain: fetchExplain(e.client, e.server, { since: state.view.since }, ctl.signal)
    })
    return
  }
  const units = new Map(state.picture?.boxes.map((b) => [b.key, b.unit]))
  const name = (/** @type {string} */ k) => { const u = units.get(k); return u ? unitName(u) : k }
  details.showLink(l, {
    from: name(l.link.from),
    to: name(l.link.to),
    denied: state.denied,
    shadow: state.shadow,
    onCall: (call) => {
      // Focus on the call's client, with the call selected.
      state.selected = edgeKey(call)
      navigate({ focus: identityRef(call.client) })
    }
  })
}

function selectLink (/** @type {string | undefined} */ key) {
  state.selected = key
  markSelected(svg, key)
  showDetails()
}

/** A new view (focus, opened namespaces, filters): into the URL and the history, then drawn. */
function navigate (/** @type {Partial<import('./url-state.js').ViewState>} */ change) {
  const before = state.view
  state.view = { ...state.view, ...change }
  const qs = writeView(state.view)
  history.pushState(null, '', qs ? `?${qs}` : location.pathname)
  if (before.namespace !== state.view.namespace || before.since !== state.view.since) void load(true)
  else render(true)
}

function onBox (/** @type {string} */ key) {
  const box = state.picture?.boxes.find((b) => b.key === key)
  if (!box) return
  if (box.unit.type === 'group') {
    const group = box.unit.group
    navigate({ expand: [...new Set([...state.view.expand, group])] })
    // Show the namespace just opened, legibly; the rest of the map is a zoom out away.
    const frame = state.picture?.frames.find((f) => f.group === group)
    if (frame) panZoom.fitRect(frame)
  }
  else if (key !== focusKey()) navigate({ focus: identityRef(/** @type {import('./identity.js').Identity} */ (box.unit.id)) })
}

/**
 * Loads the map and draws it; then shadow mode's verdicts, which mark the calls they would deny
 * once they arrive (the first view does not wait for the policy check).
 */
async function load (refit = false) {
  state.loading?.abort()
  const ctl = new AbortController()
  state.loading = ctl
  document.body.dataset.state = 'loading'
  try {
    const t0 = performance.now()
    const shadow = fetchShadow(ctl.signal)
    const edges = await fetchMap(mapQuery(state.view), ctl.signal)
    if (ctl.signal.aborted) return
    const t1 = performance.now()
    state.index = indexMap(edges)
    performance.measure('podmap:fetch', { start: t0, end: t1 })
    performance.measure('podmap:index', { start: t1, end: performance.now() })
    for (const ns of state.index.groups.keys()) if (!ns.startsWith('~')) state.namespaces.add(ns)
    syncControls()
    render(refit || state.first)
    state.first = false
    const workloads = state.index.workloads.size
    status(`${plural(edges.length, 'call')} between ${plural(workloads, 'workload')} · updated ${new Date().toLocaleTimeString()}`)
    document.body.dataset.state = 'ready'
    if (!performance.getEntriesByName('podmap:ready').length) performance.mark('podmap:ready')
    const verdicts = await shadow
    if (ctl.signal.aborted) return
    state.shadow = verdicts.state
    state.denied = verdicts.denied
    if (state.denied.size > 0 || svg.querySelector('.edge.denied')) render()
    else showDetails()
    const shown = state.index.edges.filter((e) => state.denied.has(edgeKey(e))).length
    $('shadow-note').textContent = state.shadow === 'ok'
      ? `Policy check: ${plural(shown, 'call')} would be denied`
      : state.shadow === 'absent' ? 'Policy check: not available on this mapper' : `Policy check: could not be loaded (${verdicts.message})`
    document.body.dataset.shadow = state.shadow
  } catch (err) {
    if (ctl.signal.aborted) return
    status(`Could not load the map: ${/** @type {Error} */ (err).message}`, true)
    document.body.dataset.state = 'error'
  }
}

/** The filter controls, from the view and the map. */
function syncControls () {
  const ns = select('namespace')
  if (state.view.namespace) state.namespaces.add(state.view.namespace)
  const options = [new Option('All namespaces', '')]
  for (const n of [...state.namespaces].sort()) options.push(new Option(n, n))
  ns.replaceChildren(...options)
  ns.value = state.view.namespace
  select('window').value = state.view.since
}

/** Suggestions while typing: the first 20 workloads whose name contains the text. */
function suggest () {
  const q = input('search-input').value.trim().toLowerCase()
  const out = []
  if (q) for (const k of state.index.workloads.keys()) if (k.toLowerCase().includes(q) && out.push(new Option(k)) >= 20) break
  $('workload-names').replaceChildren(...out)
}

function search () {
  const text = input('search-input').value
  const found = findWorkload(state.index.workloads.values(), text)
  const id = found.match ? state.index.workloads.get(found.match)?.id : undefined
  if (id) { navigate({ focus: identityRef(id) }); return }
  status(found.candidates.length
    ? `${plural(found.candidates.length, 'workload')} match “${text.trim()}”: ${found.candidates.slice(0, 5).join(', ')}${found.candidates.length > 5 ? ', …' : ''}`
    : `No workload matches “${text.trim()}”`, found.candidates.length === 0)
}

function start () {
  performance.mark('podmap:start')
  select('namespace').addEventListener('change', () => navigate({ namespace: select('namespace').value }))
  select('window').addEventListener('change', () => navigate({ since: select('window').value }))
  $('refresh').addEventListener('click', () => { void load() })
  $('filters').addEventListener('submit', (ev) => ev.preventDefault())
  $('search').addEventListener('submit', (ev) => { ev.preventDefault(); search() })
  input('search-input').addEventListener('input', suggest)
  $('unfocus').addEventListener('click', () => navigate({ focus: '' }))
  $('zoom-in').addEventListener('click', () => panZoom.zoomIn())
  $('zoom-out').addEventListener('click', () => panZoom.zoomOut())
  $('zoom-fit').addEventListener('click', () => panZoom.refit())
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') selectLink(undefined) })
  wireGraph(svg, {
    onLink: (key) => selectLink(key),
    onBox,
    onCollapse: (group) => navigate({ expand: state.view.expand.filter((g) => g !== group) })
  })
  window.addEventListener('popstate', () => {
    const before = state.view
    state.view = readView(location.search)
    syncControls()
    if (before.namespace !== state.view.namespace || before.since !== state.view.since) void load(true)
    else render(true)
  })
  syncControls()
  const focus = focusKey()
  if (focus) input('search-input').value = focus
  void load()
  setInterval(() => { if (document.visibilityState === 'visible' && document.body.dataset.state !== 'loading') void load() }, REFRESH_MS)
}

start()
