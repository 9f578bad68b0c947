import type { Evidence, Identity, Port } from '../../src/contract/map.js'

/** One resolved observation: who called whom, on which server port, seen how, when, how often. */
export interface Call {
  client: Identity
  server: Identity
  port?: Port
  evidence: Evidence
  /** External servers: the addresses this observation saw it at. */
  addresses?: string[]
  first: number
  last: number
  count: number
}

const keys = new WeakMap<Identity, string>()

/** "kind/namespace/name" (the service a server was reached through is not part of it). Cached per object. */
export function identityKey (id: Identity): string {
  let k = keys.get(id)
  if (k === undefined) {
    k = `${id.kind}/${id.namespace ?? ''}/${id.name}`
    keys.set(id, k)
  }
  return k
}

/** "dns|-", "tcp|8080/TCP": what a bucket counts separately. */
export function facetKey (evidence: Evidence, port: Port | undefined): string {
  return port ? `${evidence}|${port.port}/${port.protocol}` : `${evidence}|-`
}

export function parseFacet (facet: string): { evidence: Evidence, port?: Port } {
  const bar = facet.indexOf('|')
  const evidence = facet.slice(0, bar) as Evidence
  const rest = facet.slice(bar + 1)
  if (rest === '-') return { evidence }
  const slash = rest.indexOf('/')
  return { evidence, port: { port: Number(rest.slice(0, slash)), protocol: rest.slice(slash + 1) as Port['protocol'] } }
}

export const HOUR_MS = 3_600_000

export function hourOf (t: number): number {
  return t - (t % HOUR_MS)
}
