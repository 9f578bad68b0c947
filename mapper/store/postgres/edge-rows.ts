/**
 * Rows read back from PostgreSQL as the embedded store's edge records (edge-store.ts), so both stores
 * answer every read with the same code: the API view, time windows, explain, the edge series.
 */
import type { Identity } from '../../../src/contract/map.js'
import type { EdgeRecord } from '../edge-store.js'
import { edgeKey } from '../edge-store.js'
import { History } from '../history.js'
import { Sample } from '../explain-sample.js'
import { LEVEL_HOUR, periodMs } from './call-rows.js'

export interface EdgeRow {
  id: number
  client: Identity
  server: Identity
  addresses: string[] | null
  first_seen: number
  last_seen: number
  count: number
  dns_names: [string[], number] | null
  services: [string[], number] | null
  nodes: [string[], number] | null
}

export interface FacetRow { edge_id: number, facet: number, total: number }
export interface BucketRow { edge_id: number, level: number, period: number, facet: number, first_off: number, last_off: number, count: number }

export const EDGE_COLUMNS = 'id, client, server, addresses, first_seen, last_seen, count, dns_names, services, nodes'

/** An identity as the resolver builds it (jsonb keeps keys in its own order): the same JSON from both stores. */
function identity (j: Identity): Identity {
  return { kind: j.kind, ...(j.namespace !== undefined ? { namespace: j.namespace } : {}), name: j.name, ...(j.service !== undefined ? { service: j.service } : {}) }
}

/** Edge records from their rows; buckets only where given (a read without a time window needs none). */
export function toRecords (edges: EdgeRow[], facets: FacetRow[], buckets: BucketRow[]): EdgeRecord[] {
  const byId = new Map<number, EdgeRecord>()
  for (const r of edges) {
    const samples: EdgeRecord['samples'] = {}
    if (r.dns_names) samples.dnsNames = Sample.from(r.dns_names)
    if (r.services) samples.services = Sample.from(r.services)
    if (r.nodes) samples.nodes = Sample.from(r.nodes)
    const client = identity(r.client)
    const server = identity(r.server)
    byId.set(r.id, {
      key: edgeKey(client, server),
      client,
      server,
      ...(r.addresses ? { addresses: new Set(r.addresses) } : {}),
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      count: r.count,
      history: new History(),
      samples
    })
  }
  // Facet columns in facet order (the embedded store keeps first-seen order; no answer depends on it).
  for (const f of [...facets].sort((a, b) => a.facet - b.facet)) {
    const h = byId.get(f.edge_id)?.history
    if (!h) continue
    h.column(f.facet)
    h.totals[h.totals.length - 1] = f.total
  }
  for (const b of buckets) {
    const h = byId.get(b.edge_id)?.history
    if (!h) continue
    const c = h.column(b.facet)
    const start = b.period * periodMs(b.level)
    const level = b.level === LEVEL_HOUR ? h.hours : h.days
    level.add(start + b.first_off, start + b.last_off, c, h.facets.length, b.count)
  }
  return [...byId.values()]
}
