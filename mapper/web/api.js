// The page's API client: the map, shadow mode's verdicts and an edge's explanation, all JSON from
// the mapper that served the page (the CSP allows nothing else).

import { edgeKey, identityRef } from './identity.js'

/**
 * @typedef {import('./identity.js').Edge} Edge
 * @typedef {import('./identity.js').Identity} Identity
 */

export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor (message, status) {
    super(message)
    this.status = status
  }
}

/**
 * @param {string} path
 * @param {URLSearchParams} [params]
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
export async function getJson (path, params = new URLSearchParams(), signal) {
  const qs = params.toString()
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) })
  if (!res.ok) {
    // The mapper's errors are {statusCode, code, error, message}: say what it said.
    const body = await res.json().catch(() => undefined)
    throw new ApiError(`${path} answered ${res.status}${typeof body?.message === 'string' ? `: ${body.message}` : ''}`, res.status)
  }
  return res.json()
}

/** @returns {Promise<Edge[]>} */
export async function fetchMap (/** @type {URLSearchParams} */ params, /** @type {AbortSignal} */ signal) {
  const body = await getJson('/api/v1/map', params, signal)
  return Array.isArray(body?.edges) ? body.edges : []
}

/**
 * GET /api/v1/shadow: `{ state: 'ok', denied }`, `absent` on a mapper without the route, `error`.
 * @returns {Promise<{ state: 'ok' | 'absent' | 'error', denied: Map<string, DeniedReason[]>, message?: string }>}
 */
export async function fetchShadow (/** @type {AbortSignal} */ signal) {
  try {
    return { state: 'ok', denied: deniedFrom(await getJson('/api/v1/shadow', undefined, signal)) }
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    const status = err instanceof ApiError ? err.status : 0
    return { state: status === 404 ? 'absent' : 'error', denied: new Map(), message: String(/** @type {Error} */ (err).message) }
  }
}

/**
 * @typedef {{ port: string, direction: string, namespace: string, policies: string[] }} DeniedReason
 */

/**
 * Would-be-denied calls (src/contract/shadow.ts: `denied[]` of client, server, optional port and, per
 * direction, the namespace and the policies that deny it) as edge key -> reasons. Malformed
 * entries are skipped.
 */
export function deniedFrom (/** @type {any} */ body) {
  /** @type {Map<string, DeniedReason[]>} */
  const out = new Map()
  for (const call of Array.isArray(body?.denied) ? body.denied : []) {
    if (typeof call?.client?.kind !== 'string' || typeof call?.server?.kind !== 'string') continue
    const key = edgeKey(call)
    const port = call.port ? `${call.port.port}/${call.port.protocol}` : 'any port'
    const list = out.get(key) ?? out.set(key, []).get(key) ?? []
    const by = Array.isArray(call.deniedBy) && call.deniedBy.length ? call.deniedBy : [{}]
    for (const d of by) {
      list.push({
        port,
        direction: typeof d?.direction === 'string' ? d.direction : '',
        namespace: typeof d?.namespace === 'string' ? d.namespace : '',
        policies: Array.isArray(d?.policies) ? d.policies.filter((/** @type {unknown} */ p) => typeof p === 'string') : []
      })
    }
  }
  return out
}

/**
 * GET /api/v1/explain for one call (src/contract/explain.ts), over the same window as the map.
 * @param {Identity} client
 * @param {Identity} server
 * @param {{ since?: string }} window
 * @param {AbortSignal} signal
 */
export function fetchExplain (client, server, window, signal) {
  const p = new URLSearchParams({ client: identityRef(client), server: identityRef(server) })
  if (window.since) p.set('since', window.since)
  return getJson('/api/v1/explain', p, signal)
}
