/**
 * How the embedded store writes the map to disk: a checkpoint file (every edge with its history,
 * every pinned snapshot, held reports) and write-ahead log entries (resolved calls with interned
 * identities and strings, resets, pins, renames, retention prunes, held reports). Plain JSON, readable
 * with jq; an edge's buckets are its packed history words in base64 (history.ts).
 *
 * Format 2 (this one) keeps history as hourly and daily packed buckets; format 1 checkpoints (one Map
 * per hour) are read and converted.
 */
import type { Edge, Evidence, Identity } from '../../src/contract/map.js'
import type { DnsRecord, SocketRecord } from '../../src/contract/report.js'
import { facetFromText, facetText, type Call } from './call.js'
import type { EdgeRecord } from './edge-store.js'
import { History } from './history.js'
import { Sample } from './explain-sample.js'
import { isDateTime } from '../resolve/record-times.js'

export const STATE_FORMAT = 2

export interface Pin { name: string, createdAt: number, edges: Edge[] }

/**
 * A report accepted while the informers had not caught up: its records (times already checked),
 * kept until they are resolved. `id` orders them.
 */
export interface HeldReport { id: number, node: string, at: number, dns: DnsRecord[], sockets: SocketRecord[] }

type SavedSample = [string[], number]

export interface SavedEdge {
  c: Identity
  s: Identity
  a?: string[]
  f: number
  l: number
  n: number
  /** Facet columns ("tcp|8080/TCP") and their totals. */
  x: string[]
  t: number[]
  /** Packed hourly and daily buckets, little-endian uint32 words in base64. */
  h: string
  d: string
  /** Explain samples: DNS names, Services, nodes. */
  e?: { n?: SavedSample, s?: SavedSample, o?: SavedSample }
}

/** Format 1: [hour start (epoch ms), first, last, [[facet, count], ...]] per hour. */
interface SavedEdgeV1 { c: Identity, s: Identity, a?: string[], f: number, l: number, n: number, b: Array<[number, number, number, Array<[string, number]>]> }

export interface Checkpoint {
  format: number
  /** The WAL generation that continues this checkpoint. */
  walGeneration: number
  savedAt: number
  edges: Array<SavedEdge | SavedEdgeV1>
  pins: Pin[]
  /** Reports accepted but not yet resolved (absent in older checkpoints). */
  held?: HeldReport[]
}

const b64 = (words: Uint32Array): string => Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('base64')
/** Base64 back to words (a copy into an aligned array; the platforms podmap runs on are little-endian). */
function words (text: string): Uint32Array {
  const buf = Buffer.from(text, 'base64')
  const out = new Uint32Array(buf.length >> 2)
  new Uint8Array(out.buffer).set(buf.subarray(0, out.length << 2))
  return out
}

export function saveEdge (e: EdgeRecord): SavedEdge {
  const h = e.history
  const k = h.facets.length
  const out: SavedEdge = { c: e.client, s: e.server, f: e.firstSeen, l: e.lastSeen, n: e.count, x: h.facets.map(facetText), t: h.totals.slice(), h: b64(h.hours.words(k)), d: b64(h.days.words(k)) }
  if (e.addresses) out.a = [...e.addresses]
  const s = e.samples
  if (s.dnsNames || s.services || s.nodes) {
    out.e = {}
    if (s.dnsNames) out.e.n = s.dnsNames.toJSON()
    if (s.services) out.e.s = s.services.toJSON()
    if (s.nodes) out.e.o = s.nodes.toJSON()
  }
  return out
}

/**
 * The saved edge as a record; undefined when nothing valid is left in it (older versions saved any
 * time a report claimed). Format-1 hours older than `hourlyFrom` become daily buckets.
 */
export function loadEdge (key: string, s: SavedEdge | SavedEdgeV1, hourlyFrom: number): EdgeRecord | undefined {
  if (!isDateTime(s.f) || !isDateTime(s.l)) return undefined
  const history = new History()
  if ('b' in s) {
    for (const [, first, last, facets] of s.b) {
      if (!isDateTime(first) || !isDateTime(last)) continue
      for (const [f, n] of facets) history.add(facetFromText(f), first, last, n, hourlyFrom)
    }
    if (history.facets.length === 0) return undefined
  } else {
    history.facets = s.x.map(facetFromText)
    history.totals = s.t.slice()
    history.hours.load(words(s.h), history.facets.length)
    history.days.load(words(s.d), history.facets.length)
  }
  const samples = s && 'e' in s && s.e ? { ...(s.e.n ? { dnsNames: Sample.from(s.e.n) } : {}), ...(s.e.s ? { services: Sample.from(s.e.s) } : {}), ...(s.e.o ? { nodes: Sample.from(s.e.o) } : {}) } : {}
  return { key, client: s.c, server: s.s, ...(s.a ? { addresses: new Set(s.a) } : {}), firstSeen: s.f, lastSeen: s.l, count: s.n, history, samples }
}

/**
 * A compact call: [client id, server id, evidence, port (0: none), protocol, first, last, count,
 * addresses (or 0), DNS name string id (or -1), node string id (or -1)]. Format-1 lines end after
 * the count or the addresses.
 */
export type WalCall = [number, number, Evidence, number, 'TCP' | 'UDP', number, number, number, (string[] | 0)?, number?, number?]

export type WalEntry =
  | { t: 'id', i: number, v: Identity }
  | { t: 's', i: number, v: string }
  | { t: 'calls', c: WalCall[] }
  | { t: 'reset' }
  | { t: 'pin', pin: Pin }
  | { t: 'unpin', name: string }
  | { t: 'rekey', from: Identity, to: Identity }
  | { t: 'prune', before: number }
  | { t: 'hold', r: HeldReport }
  | { t: 'release', id: number }

/**
 * Interns identities and strings (DNS names, node names) per WAL generation, so each call line
 * carries small numbers, not objects and names that repeat in every report.
 */
export class InternTable {
  private readonly ids = new Map<string, number>()
  private readonly byObject = new WeakMap<Identity, number>()
  private readonly byId: Identity[] = []
  private readonly strings = new Map<string, number>()
  private readonly byString: string[] = []

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

  internString (v: string, declare: (e: WalEntry) => void): number {
    let id = this.strings.get(v)
    if (id === undefined) {
      id = this.byString.length
      this.strings.set(v, id)
      this.byString.push(v)
      declare({ t: 's', i: id, v })
    }
    return id
  }

  define (i: number, v: Identity): void { this.byId[i] = v }
  defineString (i: number, v: string): void { this.byString[i] = v }

  get (i: number): Identity {
    const v = this.byId[i]
    if (!v) throw new Error(`write-ahead log names identity ${i} before declaring it`)
    return v
  }

  string (i: number | undefined): string | undefined {
    if (i === undefined || i < 0) return undefined
    const v = this.byString[i]
    if (v === undefined) throw new Error(`write-ahead log names string ${i} before declaring it`)
    return v
  }
}

export function encodeCall (call: Call, clientId: number, serverId: number, nameId: number, nodeId: number): WalCall {
  return [clientId, serverId, call.evidence, call.port?.port ?? 0, call.port?.protocol ?? 'TCP', call.first, call.last, call.count,
    call.addresses && call.addresses.length > 0 ? call.addresses : 0, nameId, nodeId]
}

export function decodeCall (c: WalCall, table: InternTable): Call {
  const [ci, si, evidence, port, protocol, first, last, count, addresses, nameId, nodeId] = c
  const name = table.string(nameId)
  const node = table.string(nodeId)
  return {
    client: table.get(ci),
    server: table.get(si),
    evidence,
    ...(port > 0 ? { port: { port, protocol } } : {}),
    ...(addresses ? { addresses } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(node !== undefined ? { node } : {}),
    first,
    last,
    count
  }
}

