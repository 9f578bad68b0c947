/**
 * The aggregated map in memory: one edge per (client workload, server workload). Each edge keeps
 * first and last seen, a total count, its history (history.ts: counts per facet in hourly buckets for
 * recent time, daily after), the addresses of an External server (at most 64), and samples of what
 * produced it (explain-sample.ts). Any time window is answered from the history; retention forgets
 * old buckets.
 */
import type { Edge, Evidence, Identity, Port } from '../../src/contract/map.js'
import type { ExplainResponse } from '../../src/contract/explain.js'
import { facetKey, identityKey, parseFacet, type Call } from './call.js'
import { History } from './history.js'
import { Sample, type ExplainSamples } from './explain-sample.js'

export interface EdgeRecord {
  key: string
  client: Identity
  server: Identity
  /** External servers only: addresses seen, at most MAX_ADDRESSES. */
  addresses?: Set<string>
  firstSeen: number
  lastSeen: number
  count: number
  history: History
  samples: Partial<ExplainSamples>
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
  /** Read these clusters' maps (a store clusters share), each edge tagged with its cluster; default: this mapper's own, untagged. */
  clusters?: string[]
}

export interface PortCount { client: Identity, server: Identity, port: number, protocol: 'TCP' | 'UDP', count: number, lastSeen: number }

const EVIDENCE_ORDER: Evidence[] = ['dns', 'tcp', 'udp']
export const MAX_ADDRESSES = 64
/**
 * The JS heap an edge costs besides its history arrays: its record, key strings, indexes and samples
 * (bench:query measured 1,768 bytes an edge with three hourly buckets, ~70 of them array bytes).
 */
export const EDGE_HEAP_BYTES = 1_700
const ADDRESS_BYTES = 56

export function edgeKey (client: Identity, server: Identity): string {
  return `${identityKey(client)}>${identityKey(server)}`
}

export class EdgeStore {
  /** edge key -> edge, for iteration */
  private readonly edges = new Map<string, EdgeRecord>()
  /** client key -> server key -> edge: the hot-path lookup, on cached key strings (no concatenation) */
  private readonly byClient = new Map<string, Map<string, EdgeRecord>>()
  /** Every record in list order, kept until an edge is added or removed (not when one changes). */
  private sorted?: EdgeRecord[]

  private lookup (client: Identity, server: Identity): EdgeRecord | undefined {
    return this.byClient.get(identityKey(client))?.get(identityKey(server))
  }

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

  /** Adds one call; hours that ended before `hourlyFrom` are kept daily. */
  add (call: Call, hourlyFrom: number): void {
    let edge = this.lookup(call.client, call.server)
    if (!edge) {
      edge = { key: edgeKey(call.client, call.server), client: call.client, server: call.server, firstSeen: call.first, lastSeen: call.last, count: 0, history: new History(), samples: {} }
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
    const facet = facetKey(call.evidence, call.port)
    // count 0 restates a call after a mapper restart (report version 3): one observation when the
    // map keeps none of it (a mapper that lost its state), else only its times.
    const count = call.count > 0 || edge.history.total(facet) > 0 ? call.count : 1
    edge.count += count
    edge.history.add(facet, call.first, call.last, count, hourlyFrom)
    const s = edge.samples
    if (call.name !== undefined) (s.dnsNames ??= new Sample()).add(call.name)
    if (call.server.service !== undefined) (s.services ??= new Sample()).add(call.server.service)
    if (call.node !== undefined) (s.nodes ??= new Sample()).add(call.node)
  }

  get size (): number { return this.edges.size }

  /** Estimated bytes held: each edge's history arrays exactly, plus EDGE_HEAP_BYTES and its addresses. O(edges). */
  approxBytes (): number {
    let n = 0
    for (const e of this.edges.values()) n += EDGE_HEAP_BYTES + e.history.bytes + (e.addresses?.size ?? 0) * ADDRESS_BYTES
    return n
  }

  clear (): void { this.edges.clear(); this.byClient.clear(); this.sorted = undefined }

  records (): IterableIterator<EdgeRecord> { return this.edges.values() }

  /** Restores a record as saved (used when loading a persisted state). */
  restore (rec: EdgeRecord): void {
    const old = this.edges.get(rec.key)
    if (old) this.delete(old)
    this.insert(rec)
  }

  /** Forgets what ended before `before`; an edge with nothing left goes. Returns how many went. */
  prune (before: number): number {
    let removed = 0
    for (const edge of [...this.edges.values()]) {
      edge.view = undefined
      edge.viewJson = undefined
      if (!edge.history.prune(before)) { this.delete(edge); removed++; continue }
      edge.count = edge.history.totals.reduce((a, b) => a + b, 0)
      const first = edge.history.earliest()
      if (first !== undefined && first > edge.firstSeen) edge.firstSeen = first
    }
    return removed
  }

  /** Merges hourly buckets older than `hourlyFrom` into daily ones, for every edge; returns buckets moved. */
  rollUp (hourlyFrom: number): number {
    let moved = 0
    for (const edge of this.edges.values()) moved += edge.history.rollUp(hourlyFrom)
    return moved
  }

  /**
   * Renames an identity everywhere (a late owner revealed the real workload): its edges merge into
   * the renamed ones.
   */
  rekey (from: Identity, to: Identity, hourlyFrom: number): number {
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
      mergeInto(target, e, hourlyFrom)
    }
    return moved.length
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
          e.viewJson = e.view === undefined ? '' : JSON.stringify(e.view)
        }
        if (e.viewJson !== '') parts.push(e.viewJson)
      }
    }
    return `{"edges":[${parts.join(',')}]}`
  }

  /** Why an edge is in the map (by the identity keys `kind/namespace/name`), within an optional window. */
  explain (clientKey: string, serverKey: string, since?: number, until?: number): ExplainResponse | undefined {
    const e = this.byClient.get(clientKey)?.get(serverKey)
    if (!e) return undefined
    const evidence = new Map<Evidence, number>()
    const ports = new Map<number, number>()
    let first = Infinity
    let last = -Infinity
    const k = e.history.facets.length
    e.history.forEach(since, until, (f, l, data, off) => {
      first = Math.min(first, since !== undefined ? Math.max(f, since) : f)
      last = Math.max(last, until !== undefined ? Math.min(l, until) : l)
      for (let c = 0; c < k; c++) {
        const n = data[off + c] as number
        if (n === 0) continue
        const facet = e.history.facets[c] as number
        const p = parseFacet(facet)
        evidence.set(p.evidence, (evidence.get(p.evidence) ?? 0) + n)
        if (p.port) { const pk = p.port.protocol === 'UDP' ? p.port.port + 65_536 : p.port.port; ports.set(pk, (ports.get(pk) ?? 0) + n) }
      }
    })
    if (first === Infinity) return undefined
    const s = e.samples
    return {
      client: e.client,
      server: e.server,
      dnsNames: s.dnsNames?.values.slice() ?? [],
      services: s.services?.values.slice() ?? [],
      nodes: s.nodes?.values.slice() ?? [],
      evidence: EVIDENCE_ORDER.filter((x) => evidence.has(x)).map((kind) => ({ kind, count: evidence.get(kind) as number })),
      ports: [...ports].sort((a, b) => a[0] - b[0]).map(([pk, count]) => ({ port: pk % 65_536, protocol: pk >= 65_536 ? 'UDP' as const : 'TCP' as const, count })),
      firstSeen: new Date(first).toISOString(),
      lastSeen: new Date(last).toISOString(),
      truncated: { dnsNames: s.dnsNames?.dropped ?? 0, services: s.services?.dropped ?? 0, nodes: s.nodes?.dropped ?? 0 }
    }
  }

  /**
   * Observations counted per edge and server port (within retention), for the Prometheus edge
   * series: one entry per (edge, port, protocol); DNS evidence (no port) is left out.
   */
  * portCounts (): Generator<PortCount> {
    for (const e of this.edges.values()) {
      const h = e.history
      const byPort = new Map<number, number>()
      for (let c = 0; c < h.facets.length; c++) {
        const f = parseFacet(h.facets[c] as number)
        if (!f.port) continue
        const k = f.port.protocol === 'UDP' ? f.port.port + 65_536 : f.port.port
        byPort.set(k, (byPort.get(k) ?? 0) + (h.totals[c] as number))
      }
      for (const [k, count] of byPort) yield { client: e.client, server: e.server, port: k % 65_536, protocol: k >= 65_536 ? 'UDP' : 'TCP', count, lastSeen: e.lastSeen }
    }
  }

  /** Bytes the histories hold (typed arrays), for the memory metric. */
  historyBytes (): number {
    let n = 0
    for (const e of this.edges.values()) n += e.history.bytes
    return n
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

function mergeInto (target: EdgeRecord, e: EdgeRecord, hourlyFrom: number): void {
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
  target.history.mergeFrom(e.history, hourlyFrom)
  for (const k of ['dnsNames', 'services', 'nodes'] as const) {
    if (e.samples[k]) (target.samples[k] ??= new Sample()).merge(e.samples[k])
  }
}

/** The edge as seen in [since, until]: only the buckets that overlap; undefined if none does. */
export function toEdge (e: EdgeRecord, since?: number, until?: number): Edge | undefined {
  const windowed = since !== undefined || until !== undefined
  let first = windowed ? Infinity : e.firstSeen
  let last = windowed ? -Infinity : e.lastSeen
  const ports = new Map<number, Port>()
  const evidence = new Set<Evidence>()
  const h = e.history
  const k = h.facets.length
  // Which facet columns have a count in the window (without a window: any count still kept).
  const seen = h.totals.map((n) => !windowed && n > 0)
  if (windowed) {
    h.forEach(since, until, (f, l, data, off) => {
      first = Math.min(first, since !== undefined ? Math.max(f, since) : f)
      last = Math.max(last, until !== undefined ? Math.min(l, until) : l)
      for (let c = 0; c < k; c++) if ((data[off + c] as number) > 0) seen[c] = true
    })
  }
  for (let c = 0; c < k; c++) {
    if (!seen[c]) continue
    const f = parseFacet(h.facets[c] as number)
    evidence.add(f.evidence)
    if (f.port) ports.set(f.port.protocol === 'UDP' ? f.port.port + 65_536 : f.port.port, f.port)
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
