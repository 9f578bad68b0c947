/**
 * How the map is written to disk: a checkpoint file (every edge with its hourly buckets, every pinned
 * snapshot) and write-ahead log entries (resolved calls with interned identities, resets, pins,
 * renames, retention prunes). Plain JSON: readable with jq when something needs explaining.
 */
import type { Edge, Evidence, Identity } from '../../src/contract/map.js'
import type { DnsRecord, SocketRecord } from '../../src/contract/report.js'
import { HOUR_MS, facetFromText, facetText, type Call } from './call.js'
import type { Bucket, EdgeRecord } from './edge-store.js'
import { isDateTime } from '../resolve/record-times.js'

export const STATE_FORMAT = 1

export interface Pin { name: string, createdAt: number, edges: Edge[] }

/**
 * A report accepted while the informers had not caught up: its records (times already checked),
 * kept until they are resolved. `id` orders them.
 */
export interface HeldReport { id: number, node: string, at: number, dns: DnsRecord[], sockets: SocketRecord[] }

export interface SavedEdge {
  c: Identity
  s: Identity
  a?: string[]
  f: number
  l: number
  n: number
  /** [hour start (epoch ms), first, last, [[facet, count], ...]] */
  b: Array<[number, number, number, Array<[string, number]>]>
}

export interface Checkpoint {
  format: number
  /** The WAL generation that continues this checkpoint. */
  walGeneration: number
  savedAt: number
  edges: SavedEdge[]
  pins: Pin[]
  /** Reports accepted but not yet resolved (absent in older checkpoints). */
  held?: HeldReport[]
}

export function saveEdge (e: EdgeRecord): SavedEdge {
  const out: SavedEdge = { c: e.client, s: e.server, f: e.firstSeen, l: e.lastSeen, n: e.count, b: [] }
  if (e.addresses) out.a = [...e.addresses]
  for (const [hour, b] of e.buckets) out.b.push([hour * HOUR_MS, b.first, b.last, [...b.facets].map(([f, n]) => [facetText(f), n])])
  return out
}

/** The saved edge as a record; undefined when a time in it is not one a Date can hold (older versions saved any). */
export function loadEdge (key: string, s: SavedEdge): EdgeRecord | undefined {
  const buckets = new Map<number, Bucket>()
  for (const [hourStart, first, last, facets] of s.b) {
    if (!isDateTime(first) || !isDateTime(last)) continue
    buckets.set(Math.floor(hourStart / HOUR_MS), { first, last, facets: new Map(facets.map(([f, n]) => [facetFromText(f), n])) })
  }
  if (buckets.size === 0 || !isDateTime(s.f) || !isDateTime(s.l)) return undefined
  return { key, client: s.c, server: s.s, ...(s.a ? { addresses: new Set(s.a) } : {}), firstSeen: s.f, lastSeen: s.l, count: s.n, buckets }
}

/** A compact call: [client id, server id, evidence, port (0: none), protocol, first, last, count, addresses?] */
export type WalCall = [number, number, Evidence, number, 'TCP' | 'UDP', number, number, number, string[]?]

export type WalEntry =
  | { t: 'id', i: number, v: Identity }
  | { t: 'calls', c: WalCall[] }
  | { t: 'reset' }
  | { t: 'pin', pin: Pin }
  | { t: 'unpin', name: string }
  | { t: 'rekey', from: Identity, to: Identity }
  | { t: 'prune', before: number }
  | { t: 'hold', r: HeldReport }
  | { t: 'release', id: number }

/** Interns identities per WAL generation so each call line carries two numbers, not two objects. */
export class IdentityTable {
  private readonly ids = new Map<string, number>()
  private readonly byObject = new WeakMap<Identity, number>()
  private readonly byId: Identity[] = []

  /** The id of `v`, and the entry declaring it when it is new. */
  intern (v: Identity, declare: (e: WalEntry) => void): number {
    const known = this.byObject.get(v)
    if (known !== undefined) return known
    const key = `${v.kind}\u0000${v.namespace ?? ''}\u0000${v.name}\u0000${v.service ?? ''}`
    let id = this.ids.get(key)
    if (id === undefined) {
      id = this.byId.length
      this.ids.set(key, id)
      this.byId.push(v)
      declare({ t: 'id', i: id, v })
    }
    this.byObject.set(v, id)
    return id
  }

  define (i: number, v: Identity): void { this.byId[i] = v }

  get (i: number): Identity {
    const v = this.byId[i]
    if (!v) throw new Error(`write-ahead log names identity ${i} before declaring it`)
    return v
  }

  clear (): void { this.ids.clear(); this.byId.length = 0 }
}

export function encodeCall (call: Call, clientId: number, serverId: number): WalCall {
  const c: WalCall = [clientId, serverId, call.evidence, call.port?.port ?? 0, call.port?.protocol ?? 'TCP', call.first, call.last, call.count]
  if (call.addresses && call.addresses.length > 0) c.push(call.addresses)
  return c
}

export function decodeCall (c: WalCall, table: IdentityTable): Call {
  const [ci, si, evidence, port, protocol, first, last, count, addresses] = c
  return {
    client: table.get(ci),
    server: table.get(si),
    evidence,
    ...(port > 0 ? { port: { port, protocol } } : {}),
    ...(addresses ? { addresses } : {}),
    first,
    last,
    count
  }
}
