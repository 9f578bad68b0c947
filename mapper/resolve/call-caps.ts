/**
 * Bounded growth of the map: caps on distinct external names and on edges, in total and per
 * reporting node. Telemetry decides what is new (a sniffer, or anyone who holds the shared token, can
 * invent any number of names or addresses), so the map's size must not be the reports' choice.
 *
 * - External names (a hostname, or the address of a server or client outside the cluster): past
 *   `maxExternalNames` in the map, or past `maxExternalNamesPerNode` first reported by one node, a
 *   new one is recorded as its aggregate instead: `*.<registrable domain>` for a hostname
 *   (`a1.cdn.example.co.uk` -> `*.example.co.uk`), the /24 (IPv4) or /48 (IPv6) for an address. An
 *   aggregate is never a rule in an export (export/external-peers.ts). Aggregates are capped at
 *   `maxExternalNames` too; past that a call with a new one is dropped.
 * - Edges: past `maxEdges` in the map, or `maxEdgesPerNode` first reported by one node, a call that
 *   would make a new edge is dropped. Calls on edges already there are always recorded.
 *
 * Every aggregation and drop is counted by reason (podmap_mapper_calls_capped_total). The tally
 * (which edges and names exist, which node brought each) is rebuilt from the map after it shrank
 * (reset, retention, a rename); until then it counts high, never low. Its own size is bounded by the
 * caps: at most `maxEdges` edge keys and twice `maxExternalNames` names.
 */
import { isIP } from 'node:net'
import { getDomain } from 'tldts-icann'
import type { Edge, Identity } from '../../src/contract/map.js'
import type { Call } from '../store/call.js'
import { edgeKey } from '../store/edge-store.js'
import { normalizeAddress } from '../policy/cidr.js'

export interface CapLimits {
  maxEdges: number
  maxEdgesPerNode: number
  maxExternalNames: number
  maxExternalNamesPerNode: number
}

export type CapReason =
  | 'external-name-aggregated-total' | 'external-name-aggregated-node' | 'external-aggregate-dropped'
  | 'edge-dropped-total' | 'edge-dropped-node'

/** `*.<registrable domain>` of a hostname, or the /24 (/48) of an address: what many names are recorded as past the cap. */
export function aggregateName (name: string): string {
  const a = normalizeAddress(name)
  if (a && isIP(name) !== 0) {
    if (a.family === 'ipv4') return `${a.address.split('.').slice(0, 3).join('.')}.0/24`
    const groups = new URL(`http://[${a.address}]/`).hostname.slice(1, -1).split('::')
    const head = (groups[0] ?? '').split(':').filter((g) => g.length > 0)
    const tail = groups.length > 1 ? (groups[1] ?? '').split(':').filter((g) => g.length > 0) : []
    const full = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
    return `${new URL(`http://[${full.slice(0, 3).join(':')}::]/`).hostname.slice(1, -1)}/48`
  }
  const domain = getDomain(name) ?? name.split('.').slice(-2).join('.')
  return `*.${domain}`
}

const isAggregate = (name: string): boolean => name.startsWith('*.') || name.includes('/')

/** Counts per node, with the entry dropped at zero (so the table holds only nodes that brought something). */
class Tally {
  private readonly byNode = new Map<string, number>()
  get (node: string): number { return this.byNode.get(node) ?? 0 }
  add (node: string): void { this.byNode.set(node, this.get(node) + 1) }
  clear (): void { this.byNode.clear() }
}

export class CallCaps {
  /** edge key -> node that brought it ('' when loaded from the map) */
  private readonly edges = new Map<string, string>()
  private readonly edgesByNode = new Tally()
  /** exact external name -> node that brought it */
  private readonly names = new Map<string, string>()
  private readonly namesByNode = new Tally()
  private readonly aggregates = new Set<string>()

  constructor (private readonly limits: CapLimits, private readonly onCapped: (reason: CapReason, count: number) => void) {}

  /** Edges in the tally (to tell when the map shrank below it). */
  get size (): number { return this.edges.size }

  /** Rebuilds the tally from what the map holds; nothing is attributed to a node. */
  load (edges: Array<Pick<Edge, 'client' | 'server'>>): void {
    this.edges.clear(); this.edgesByNode.clear(); this.names.clear(); this.namesByNode.clear(); this.aggregates.clear()
    for (const e of edges) {
      this.edges.set(edgeKey(e.client, e.server), '')
      for (const id of [e.client, e.server]) {
        if (id.kind !== 'External') continue
        if (isAggregate(id.name)) this.aggregates.add(id.name)
        else this.names.set(id.name, '')
      }
    }
  }

  /** The calls the map may take from `node`, with external names aggregated past the caps; the rest counted and dropped. */
  admit (calls: Call[], node: string): Call[] {
    const out: Call[] = []
    for (const call of calls) {
      const client = this.external(call.client, node)
      const server = this.external(call.server, node)
      if (client === undefined || server === undefined) continue
      const kept = client === call.client && server === call.server
        ? call
        : { ...call, client, server, addresses: server === call.server ? call.addresses : undefined }
      const key = edgeKey(kept.client, kept.server)
      if (!this.edges.has(key)) {
        if (this.edges.size >= this.limits.maxEdges) { this.onCapped('edge-dropped-total', 1); continue }
        if (this.edgesByNode.get(node) >= this.limits.maxEdgesPerNode) { this.onCapped('edge-dropped-node', 1); continue }
        this.edges.set(key, node)
        this.edgesByNode.add(node)
        for (const id of [kept.client, kept.server]) this.remember(id, node)
      }
      out.push(kept)
    }
    return out
  }

  /** The identity an External peer is recorded as (itself or its aggregate), or undefined to drop the call. */
  private external (id: Identity, node: string): Identity | undefined {
    if (id.kind !== 'External' || this.names.has(id.name) || this.aggregates.has(id.name)) return id
    let reason: CapReason | undefined
    if (isAggregate(id.name)) reason = undefined
    else if (this.names.size >= this.limits.maxExternalNames) reason = 'external-name-aggregated-total'
    else if (this.namesByNode.get(node) >= this.limits.maxExternalNamesPerNode) reason = 'external-name-aggregated-node'
    else return id
    const name = reason ? aggregateName(id.name) : id.name
    if (!this.aggregates.has(name) && this.aggregates.size >= this.limits.maxExternalNames) { this.onCapped('external-aggregate-dropped', 1); return undefined }
    if (reason) this.onCapped(reason, 1)
    return { kind: 'External', name }
  }

  private remember (id: Identity, node: string): void {
    if (id.kind !== 'External') return
    if (isAggregate(id.name)) this.aggregates.add(id.name)
    else if (!this.names.has(id.name)) { this.names.set(id.name, node); this.namesByNode.add(node) }
  }
}
