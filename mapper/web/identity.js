// Identities and keys of the map's workloads and calls (pure; the page and its tests share it).

/**
 * @typedef {{ kind: string, namespace?: string, name: string, service?: string }} Identity
 * @typedef {{ port: number, protocol: string }} Port
 * @typedef {{ client: Identity, server: Identity, ports: Port[], evidence: string[], addresses?: string[],
 *   firstSeen: string, lastSeen: string }} Edge
 */

/** `Deployment shop/checkout`, `External api.example.com`: how the page names a workload. */
export function idKey (/** @type {Identity} */ id) {
  return id.namespace ? `${id.kind} ${id.namespace}/${id.name}` : `${id.kind} ${id.name}`
}

/** `<client key> -> <server key>`: one call of the map. */
export function edgeKey (/** @type {{ client: Identity, server: Identity }} */ e) {
  return `${idKey(e.client)} -> ${idKey(e.server)}`
}

/** `kind/namespace/name` (`External//api.example.com`): the API's identity reference and the URL's. */
export function identityRef (/** @type {Identity} */ id) {
  return `${id.kind}/${id.namespace ?? ''}/${id.name}`
}

/** The inverse of identityRef; undefined for anything else. */
export function parseIdentityRef (/** @type {string} */ ref) {
  const m = /^([A-Za-z]+)\/([^/]*)\/(.+)$/.exec(ref)
  if (!m) return undefined
  /** @type {Identity} */
  const id = { kind: /** @type {string} */ (m[1]), name: /** @type {string} */ (m[3]) }
  if (m[2]) id.namespace = m[2]
  return id
}

/** The box a workload is drawn in: its namespace, or `~external` / `~node` for those without one. */
export function groupOf (/** @type {Identity} */ id) {
  return id.namespace ?? `~${id.kind.toLowerCase()}`
}

export function groupLabel (/** @type {string} */ group) {
  if (group === '~external') return 'EXTERNAL'
  if (group.startsWith('~')) return `${group.slice(1).toUpperCase()}S`
  return `NAMESPACE ${group.toUpperCase()}`
}

/** A group's name as a person reads it: the namespace, or "external" / "nodes". */
export function groupName (/** @type {string} */ group) {
  if (group === '~external') return 'external'
  return group.startsWith('~') ? `${group.slice(1)}s` : group
}

export const portText = (/** @type {Port} */ p) => `${p.port}/${p.protocol}`
export const portsText = (/** @type {Port[]} */ ports) => ports.map(portText).join(', ')

/** At most `max` ports, then `+N`: an arrow's label. */
export function shortPorts (/** @type {Port[]} */ ports, max = 2) {
  if (ports.length <= max) return portsText(ports)
  return `${portsText(ports.slice(0, max))} +${ports.length - max}`
}

export const plural = (/** @type {number} */ n, /** @type {string} */ one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
