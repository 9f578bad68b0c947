// The details panel: one call (its ports, evidence, times, the policy verdict and, from
// GET /api/v1/explain, why it is in the map), or an aggregated arrow (how many calls on which
// ports, and the calls themselves, each a button that focuses on it).

import { edgeKey, idKey, plural, portText, portsText } from './identity.js'

/**
 * @typedef {import('./identity.js').Edge} Edge
 * @typedef {import('./api.js').DeniedReason} DeniedReason
 * @typedef {import('./picture.js').PictureLink} PictureLink
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id))
const CALLS_SHOWN = 50

/** A time as the clock shows it, with how long ago. */
export function when (/** @type {string} */ iso, now = Date.now()) {
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return iso
  const s = Math.round((now - t) / 1000)
  const ago = s < 60 ? `${Math.max(s, 0)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`
  const d = new Date(t)
  const day = d.toDateString() === new Date(now).toDateString() ? d.toLocaleTimeString() : d.toLocaleString()
  return `${day} (${ago})`
}

/** `5432/TCP by ingress (db/ledger-ingress)`, one part per port. */
export function deniedText (/** @type {DeniedReason[]} */ reasons) {
  /** @type {Map<string, string[]>} */
  const byPort = new Map()
  for (const r of reasons) {
    const by = r.direction ? `${r.direction} (${r.policies.length ? r.policies.join(', ') : `namespace ${r.namespace}`})` : ''
    const list = byPort.get(r.port) ?? byPort.set(r.port, []).get(r.port) ?? []
    if (by) list.push(by)
  }
  return [...byPort].map(([port, by]) => by.length ? `${port} by ${by.join('; ')}` : port).join('; ')
}

function rows (/** @type {HTMLElement} */ list) {
  list.replaceChildren()
  return (/** @type {string} */ label, /** @type {string} */ field, /** @type {string} */ value, /** @type {string} */ cls = '') => {
    const dt = document.createElement('dt')
    dt.textContent = label
    const dd = document.createElement('dd')
    dd.dataset.field = field
    if (cls) dd.className = cls
    dd.textContent = value
    list.append(dt, dd)
  }
}

const counted = (/** @type {Array<{ label: string, count: number }>} */ xs) => xs.map((x) => `${x.label} ×${x.count}`).join(', ')
const withMore = (/** @type {string[]} */ xs, /** @type {number} */ more) => `${xs.join(', ') || 'none'}${more ? ` (+${more} more not kept)` : ''}`

export function createDetails () {
  const list = $('details-list')
  const explain = $('explain')
  const explainList = $('explain-list')
  const explainNote = $('explain-note')
  const calls = $('calls')
  const callsList = $('calls-list')
  let seq = 0

  const clear = () => {
    seq++
    list.hidden = true
    list.replaceChildren()
    explain.hidden = true
    calls.hidden = true
    $('details-hint').hidden = false
    $('details-title').textContent = 'Call details'
  }

  return {
    clear,

    /**
     * One call of the map; `explain` resolves to GET /api/v1/explain's answer.
     * @param {Edge} e
     * @param {{ denied?: DeniedReason[], shadow: string, explain: Promise<any> }} extra
     */
    showEdge (e, extra) {
      const mine = ++seq
      $('details-hint').hidden = true
      $('details-title').textContent = 'Call details'
      const row = rows(list)
      row('Client', 'client', idKey(e.client))
      row('Server', 'server', idKey(e.server))
      if (e.server.service) row('Service', 'service', e.server.service)
      row('Ports', 'ports', portsText(e.ports), 'mono')
      row('Evidence', 'evidence', e.evidence.join(','), 'mono')
      if (e.addresses?.length) row('Addresses', 'addresses', e.addresses.join(', '), 'mono')
      row('First seen', 'first-seen', when(e.firstSeen))
      row('Last seen', 'last-seen', when(e.lastSeen))
      if (extra.denied) row('Policy', 'policy', `would be denied: ${deniedText(extra.denied)}`, 'denied')
      else if (extra.shadow === 'ok') row('Policy', 'policy', 'allowed')
      list.hidden = false
      calls.hidden = true
      explain.hidden = false
      explain.dataset.state = 'loading'
      explainList.replaceChildren()
      explainNote.textContent = 'Loading…'
      extra.explain.then((x) => {
        if (mine !== seq) return
        const erow = rows(explainList)
        erow('DNS names', 'dns-names', withMore(x.dnsNames ?? [], x.truncated?.dnsNames ?? 0), 'mono')
        erow('Services', 'services', withMore(x.services ?? [], x.truncated?.services ?? 0), 'mono')
        erow('Reported by', 'nodes', withMore(x.nodes ?? [], x.truncated?.nodes ?? 0), 'mono')
        erow('Observations', 'evidence-counts', counted((x.evidence ?? []).map((/** @type {any} */ v) => ({ label: v.kind, count: v.count }))), 'mono')
        erow('Ports seen', 'port-counts', counted((x.ports ?? []).map((/** @type {any} */ p) => ({ label: portText(p), count: p.count }))), 'mono')
        explainNote.textContent = ''
        explain.dataset.state = 'ready'
      }, (/** @type {any} */ err) => {
        if (mine !== seq) return
        explainNote.textContent = err?.status === 404 ? `Not available: ${err.message}` : `Could not be loaded: ${err?.message ?? err}`
        explain.dataset.state = 'error'
      })
    },

    /**
     * An aggregated arrow: its calls, each a button.
     * @param {PictureLink} l
     * @param {{ from: string, to: string, denied: Map<string, DeniedReason[]>, shadow: string, onCall: (e: Edge) => void }} extra
     */
    showLink (l, extra) {
      seq++
      $('details-hint').hidden = true
      $('details-title').textContent = 'Calls between'
      const row = rows(list)
      const edges = l.link.edges
      row('From', 'client', extra.from)
      row('To', 'server', extra.to)
      row('Calls', 'calls', String(edges.length))
      row('Ports', 'ports', l.ports.map((p) => `${portText(p)} ×${p.calls}`).join(', ') || 'none seen', 'mono')
      row('Evidence', 'evidence', [...new Set(edges.flatMap((e) => e.evidence))].sort().join(','), 'mono')
      const times = edges.map((e) => e.firstSeen).sort()
      const lasts = edges.map((e) => e.lastSeen).sort()
      row('First seen', 'first-seen', when(times[0] ?? ''))
      row('Last seen', 'last-seen', when(lasts[lasts.length - 1] ?? ''))
      if (l.denied) row('Policy', 'policy', `${plural(l.denied, 'call')} would be denied`, 'denied')
      else if (extra.shadow === 'ok') row('Policy', 'policy', 'all allowed')
      list.hidden = false
      explain.hidden = true
      const items = [...edges].sort((a, b) => edgeKey(a) < edgeKey(b) ? -1 : 1).slice(0, CALLS_SHOWN).map((e) => {
        const li = document.createElement('li')
        const b = document.createElement('button')
        b.type = 'button'
        b.className = `call${extra.denied.has(edgeKey(e)) ? ' denied' : ''}`
        b.dataset.key = edgeKey(e)
        b.textContent = `${idKey(e.client)} → ${idKey(e.server)} · ${portsText(e.ports) || 'no port'}`
        b.title = 'Focus on this call'
        b.addEventListener('click', () => extra.onCall(e))
        li.append(b)
        return li
      })
      if (edges.length > CALLS_SHOWN) {
        const li = document.createElement('li')
        li.className = 'muted'
        li.textContent = `and ${edges.length - CALLS_SHOWN} more: open the namespaces to see them all`
        items.push(li)
      }
      callsList.replaceChildren(...items)
      calls.hidden = false
    }
  }
}
