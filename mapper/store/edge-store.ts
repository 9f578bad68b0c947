/**
 * The aggregated map: one edge per (client workload, server workload). Each edge keeps first and
 * last seen, a total count, and hourly buckets counting each facet (evidence kind x server port), so
 * that any time window can be answered, and retention can forget old hours.
 */
import type { Edge, Evidence, Identity, Port } from '../../src/contract/map.js'
import { HOUR_MS, facetKey, hourOf, identityKey, parseFacet, type Call } from './call.js'

export interface Bucket { first: number, last: number, facets: Map<number, number> }

export interface EdgeRecord {
  key: string
  client: Identity
  server: Identity
  /** External servers only: addresses seen, at most MAX_ADDRESSES. */
  addresses?: Set<string>
  firstSeen: number
  lastSeen: number
  count: number
  /** hours since the epoch -> bucket */
  buckets: Map<number, Bucket>
  /** The all-time API view (and its JSON), rendered once and dropped when the edge changes. */
  view?: Edge
  viewJson?: string
}

export interface EdgeFilter {
  /** Calls from or to any of these namespaces. */
  namespaces?: string[]
  /** Calls whose client or server workload's pods match. */
  labelSelector?: (id: Identity) => boolean
  since?: number
  until?: number
}

const EVIDENCE_ORDER: Evidence[] = ['dns', 'tcp', 'udp']
const MAX_ADDRESSES = 64

export function edgeKey (client: Identity, server: Identity): string {
  return `${identityKey(client)}>${identityKey(server)}`
}

export class EdgeStore {
  /** edge key -> edge, for iteration */
  private readonly edges = new Map<string, EdgeRecord>()
  /** client key -> server key -> edge: the hot-path lookup, on cached key strings (no concatenation) */
  private readonly byClient = new Map<string, Map<string, EdgeRecord>>()

  private lookup (client: Identity, server: Identity): EdgeRecord | undefined {
    return this.byClient.get(identityKey(client))?.get(identityKey(server))
  }

  /** Every record in list order, kept until an edge is added or removed (not when one changes). */
  private sorted?: EdgeRecord[]

  private insert (edge: EdgeRecord): void {
    this.sorted = undefined
    this.edges.set(edge.key, edge)
    const ck = identityKey(edge.client)
    let servers = this.byClient.get(ck)
    if (!servers) { servers = new Map(); this.byClient.set(ck, servers) }
    servers.set(identityKey(edge.server), edge)
  }

  private delete (edge: EdgeRecord): void {
    this.sorted = undefined
    this.edges.delete(edge.key)
    const ck = identityKey(edge.client)
    const servers = this.byClient.get(ck)
    servers?.delete(identityKey(edge.server))
    if (servers?.size === 0) this.byClient.delete(ck)
  }

  add (call: Call): void {
    let edge = this.lookup(call.client, call.server)
    if (!edge) {
      edge = { key: edgeKey(call.client, call.server), client: call.client, server: call.server, firstSeen: call.first, lastSeen: call.last, count: 0, buckets: new Map() }
      this.insert(edge)
    }
    edge.view = undefined
    edge.viewJson = undefined
    if (call.server.service && !edge.server.service) edge.server = call.server
    if (call.addresses) {
      edge.addresses ??= new Set()
      for (const a of call.addresses) if (edge.addresses.size < MAX_ADDRESSES) edge.addresses.add(a)
    }
    if (call.first < edge.firstSeen) edge.firstSeen = call.first
    if (call.last > edge.lastSeen) edge.lastSeen = call.last
    edge.count += call.count
    const hour = hourOf(call.last)
    let bucket = edge.buckets.get(hour)
    if (!bucket) {
      bucket = { first: call.first, last: call.last, facets: new Map() }
      edge.buckets.set(hour, bucket)
    }
    if (call.first < bucket.first) bucket.first = call.first
    if (call.last > bucket.last) bucket.last = call.last
    const facet = facetKey(call.evidence, call.port)
    bucket.facets.set(facet, (bucket.facets.get(facet) ?? 0) + call.count)
  }

  get size (): number { return this.edges.size }

  clear (): void { this.edges.clear(); this.byClient.clear(); this.sorted = undefined }

  records (): IterableIterator<EdgeRecord> { return this.edges.values() }


  /** Restores a record as saved (used when loading a persisted state). */
  restore (rec: EdgeRecord): void {
    const old = this.edges.get(rec.key)
    if (old) this.delete(old)
    this.insert(rec)
  }

  /** Forgets buckets of hours that ended before `before`; an edge with no bucket left goes. */
  prune (before: number): number {
    let removed = 0
    for (const edge of [...this.edges.values()]) {
      edge.view = undefined
      edge.viewJson = undefined
      for (const hour of edge.buckets.keys()) if ((hour + 1) * HOUR_MS <= before) edge.buckets.delete(hour)
      if (edge.buckets.size === 0) { this.delete(edge); removed++ } else {
        let first = Infinity
        for (const b of edge.buckets.values()) if (b.first < first) first = b.first
        if (first > edge.firstSeen) edge.firstSeen = first
      }
    }
    return removed
  }

  /**
   * Renames an identity everywhere (a late owner revealed the real workload): its edges merge into
   * the renamed ones.
   */
  rekey (from: Identity, to: Identity): number {
    const fromKey = identityKey(from)
    const moved: EdgeRecord[] = []
    for (const e of this.edges.values()) {
      if (identityKey(e.client) === fromKey || identityKey(e.server) === fromKey) moved.push(e)
    }
    for (const e of moved) this.delete(e)
    for (const e of moved) {
      const client = identityKey(e.client) === fromKey ? { ...to } : e.client
      const server = identityKey(e.server) === fromKey ? { ...to, ...(e.server.service ? { service: e.server.service } : {}) } : e.server
      const target = this.lookup(client, server)
      if (!target) { this.insert({ ...e, key: edgeKey(client, server), client, server, view: undefined, viewJson: undefined }); continue }
      mergeInto(target, e)
    }
    return moved.length
  }

  /**
   * Observations counted per edge and server port (all time within retention), for the Prometheus
   * edge series: one entry per (edge, port, protocol), DNS evidence (no port) left out.
   */
  *portCounts (): Generator<{ client: Identity, server: Identity, port: number, protocol: 'TCP' | 'UDP', count: number, lastSeen: number }> {
    for (const e of this.edges.values()) {
      const totals = new Map<number, number>()
      for (const b of e.buckets.values()) for (const [facet, n] of b.facets) totals.set(facet, (totals.get(facet) ?? 0) + n)
      const byPort = new Map<number, number>()
      for (const [facet, n] of totals) {
        const f = parseFacet(facet)
        if (!f.port) continue
        const k = f.port.protocol === 'UDP' ? f.port.port + 65_536 : f.port.port
        byPort.set(k, (byPort.get(k) ?? 0) + n)
      }
      for (const [k, count] of byPort) yield { client: e.client, server: e.server, port: k % 65_536, protocol: k >= 65_536 ? 'UDP' : 'TCP', count, lastSeen: e.lastSeen }
    }
  }

  /** The map as the API returns it, sorted by client then server. */
  list (filter: EdgeFilter = {}): Edge[] {
    const out: Edge[] = []
    const windowed = filter.since !== undefined || filter.until !== undefined
    for (const e of this.pick(filter)) {
      const edge = windowed ? toEdge(e, filter.since, filter.until) : (e.view ??= toEdge(e))
      if (edge) out.push(edge)
    }
    return out
  }

  /** `{"edges":[...]}` as the API sends it: unchanged edges reuse their JSON. */
  listJson (filter: EdgeFilter = {}): string {
    const parts: string[] = []
    const windowed = filter.since !== undefined || filter.until !== undefined
    for (const e of this.pick(filter)) {
      if (windowed) {
        const edge = toEdge(e, filter.since, filter.until)
        if (edge) parts.push(JSON.stringify(edge))
      } else {
        if (e.viewJson === undefined) {
          e.view ??= toEdge(e)
          e.viewJson = JSON.stringify(e.view)
        }
        parts.push(e.viewJson)
      }
    }
    return `{"edges":[${parts.join(',')}]}`
  }

  private pick (filter: EdgeFilter): EdgeRecord[] {
    this.sorted ??= [...this.edges.values()].sort(compareRecords)
    const ns = filter.namespaces && filter.namespaces.length > 0 ? new Set(filter.namespaces) : undefined
    if (!ns && !filter.labelSelector) return this.sorted
    return this.sorted.filter((e) => {
      if (ns && !(e.client.namespace !== undefined && ns.has(e.client.namespace)) && !(e.server.namespace !== undefined && ns.has(e.server.namespace))) return false
      return !filter.labelSelector || filter.labelSelector(e.client) || filter.labelSelector(e.server)
    })
  }
}

/** By client, then server (plain code-unit order: stable and fast). */
function compareRecords (a: EdgeRecord, b: EdgeRecord): number {
  const ac = identityKey(a.client)
  const bc = identityKey(b.client)
  if (ac !== bc) return ac < bc ? -1 : 1
  const as = identityKey(a.server)
  const bs = identityKey(b.server)
  return as < bs ? -1 : as > bs ? 1 : 0
}

function mergeInto (target: EdgeRecord, e: EdgeRecord): void {
  target.view = undefined
  target.viewJson = undefined
  if (e.server.service && !target.server.service) target.server = { ...target.server, service: e.server.service }
  target.firstSeen = Math.min(target.firstSeen, e.firstSeen)
  target.lastSeen = Math.max(target.lastSeen, e.lastSeen)
  target.count += e.count
  if (e.addresses) {
    target.addresses ??= new Set()
    for (const a of e.addresses) if (target.addresses.size < MAX_ADDRESSES) target.addresses.add(a)
  }
  for (const [hour, b] of e.buckets) {
    const t = target.buckets.get(hour)
    if (!t) { target.buckets.set(hour, b); continue }
    t.first = Math.min(t.first, b.first)
    t.last = Math.max(t.last, b.last)
    for (const [f, n] of b.facets) t.facets.set(f, (t.facets.get(f) ?? 0) + n)
  }
}

/** The edge as seen in [since, until]: only the buckets that overlap; undefined if none does. */
export function toEdge (e: EdgeRecord, since?: number, until?: number): Edge | undefined {
  const windowed = since !== undefined || until !== undefined
  let first = windowed ? Infinity : e.firstSeen
  let last = windowed ? -Infinity : e.lastSeen
  const ports = new Map<string, Port>()
  const evidence = new Set<Evidence>()
  for (const b of e.buckets.values()) {
    if (since !== undefined && b.last < since) continue
    if (until !== undefined && b.first > until) continue
    if (windowed) {
      first = Math.min(first, since !== undefined ? Math.max(b.first, since) : b.first)
      last = Math.max(last, until !== undefined ? Math.min(b.last, until) : b.last)
    }
    for (const facet of b.facets.keys()) {
      const f = parseFacet(facet)
      evidence.add(f.evidence)
      if (f.port) ports.set(`${f.port.port}/${f.port.protocol}`, f.port)
    }
  }
  if (evidence.size === 0) return undefined
  return {
    client: e.client,
    server: e.server,
    ports: [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol)),
    evidence: EVIDENCE_ORDER.filter((x) => evidence.has(x)),
    ...(e.addresses ? { addresses: [...e.addresses].sort() } : {}),
    firstSeen: new Date(first).toISOString(),
    lastSeen: new Date(last).toISOString()
  }
}
