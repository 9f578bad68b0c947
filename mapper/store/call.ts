import type { Evidence, Identity, Port } from '../../src/contract/map.js'

/** One resolved observation: who called whom, on which server port, seen how, when, how often. */
export interface Call {
  client: Identity
  server: Identity
  port?: Port
  evidence: Evidence
  /** External servers: the addresses this observation saw it at. */
  addresses?: string[]
  /** The DNS name the client asked for (DNS evidence), for explaining the edge. */
  name?: string
  /** The node whose sniffer reported it. */
  node?: string
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

const EVIDENCE: Evidence[] = ['dns', 'tcp', 'udp']
const EVIDENCE_CODE: Record<Evidence, number> = { dns: 0, tcp: 1, udp: 2 }

/**
 * What a bucket counts separately (evidence kind x server port), packed in one small integer so the
 * hot path does no string work: evidence * 2^17 + (UDP ? 2^16 : 0) + port (0: no port).
 */
export function facetKey (evidence: Evidence, port: Port | undefined): number {
  return EVIDENCE_CODE[evidence] * 131_072 + (port ? (port.protocol === 'UDP' ? 65_536 : 0) + port.port : 0)
}

export function parseFacet (facet: number): { evidence: Evidence, port?: Port } {
  const evidence = EVIDENCE[Math.floor(facet / 131_072)] as Evidence
  const rest = facet % 131_072
  const port = rest % 65_536
  if (port === 0) return { evidence }
  return { evidence, port: { port, protocol: rest >= 65_536 ? 'UDP' : 'TCP' } }
}

/** On disk: "dns|-", "tcp|8080/TCP" (readable with jq). */
export function facetText (facet: number): string {
  const f = parseFacet(facet)
  return f.port ? `${f.evidence}|${f.port.port}/${f.port.protocol}` : `${f.evidence}|-`
}

export function facetFromText (text: string): number {
  const bar = text.indexOf('|')
  const evidence = text.slice(0, bar) as Evidence
  const rest = text.slice(bar + 1)
  if (rest === '-') return facetKey(evidence, undefined)
  const slash = rest.indexOf('/')
  return facetKey(evidence, { port: Number(rest.slice(0, slash)), protocol: rest.slice(slash + 1) as Port['protocol'] })
}

export const HOUR_MS = 3_600_000

/** Hours since the epoch: a small integer, so bucket maps hash it fast. */
export function hourOf (t: number): number {
  return Math.floor(t / HOUR_MS)
}
