/**
 * The aggregated map: one edge per (client workload, server workload), with the ports and evidence
 * seen, first and last seen, and a call count. A server reached through a Service keeps its name.
 */
import type { Edge, Evidence, Identity, Port } from '../../src/contract/map.js'
import { identityKey, type Call } from './call.js'

export interface EdgeRecord {
  client: Identity
  server: Identity
  /** "8080/TCP" -> port */
  ports: Map<string, Port>
  evidence: Set<Evidence>
  /** External servers only: addresses seen, at most MAX_ADDRESSES. */
  addresses?: Set<string>
  firstSeen: number
  lastSeen: number
  count: number
}

export interface EdgeFilter {
  namespace?: string
}

const EVIDENCE_ORDER: Evidence[] = ['dns', 'tcp', 'udp']
const MAX_ADDRESSES = 64

export class EdgeStore {
  private readonly edges = new Map<string, EdgeRecord>()

  add (call: Call): void {
    const key = `${identityKey(call.client)}>${identityKey(call.server)}`
    let edge = this.edges.get(key)
    if (!edge) {
      edge = {
        client: call.client,
        server: call.server,
        ports: new Map(),
        evidence: new Set(),
        firstSeen: call.at,
        lastSeen: call.at,
        count: 0
      }
      this.edges.set(key, edge)
    }
    if (call.server.service && !edge.server.service) edge.server = call.server
    if (call.port) {
      const pk = `${call.port.port}/${call.port.protocol}`
      if (!edge.ports.has(pk)) edge.ports.set(pk, call.port)
    }
    edge.evidence.add(call.evidence)
    if (call.addresses) {
      edge.addresses ??= new Set()
      for (const a of call.addresses) if (edge.addresses.size < MAX_ADDRESSES) edge.addresses.add(a)
    }
    if (call.at < edge.firstSeen) edge.firstSeen = call.at
    if (call.at > edge.lastSeen) edge.lastSeen = call.at
    edge.count += call.count
  }

  get size (): number { return this.edges.size }

  clear (): void { this.edges.clear() }

  records (): IterableIterator<EdgeRecord> { return this.edges.values() }

  /** The map as the API returns it, sorted by client then server. */
  list (filter: EdgeFilter = {}): Edge[] {
    const out: Edge[] = []
    for (const e of this.edges.values()) {
      if (filter.namespace && e.client.namespace !== filter.namespace && e.server.namespace !== filter.namespace) continue
      out.push(toEdge(e))
    }
    out.sort((a, b) => identityKey(a.client).localeCompare(identityKey(b.client)) || identityKey(a.server).localeCompare(identityKey(b.server)))
    return out
  }
}

export function toEdge (e: EdgeRecord): Edge {
  return {
    client: e.client,
    server: e.server,
    ports: [...e.ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol)),
    evidence: EVIDENCE_ORDER.filter((x) => e.evidence.has(x)),
    ...(e.addresses ? { addresses: [...e.addresses].sort() } : {}),
    firstSeen: new Date(e.firstSeen).toISOString(),
    lastSeen: new Date(e.lastSeen).toISOString()
  }
}
