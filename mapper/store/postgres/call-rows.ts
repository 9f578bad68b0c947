/**
 * Resolved calls as the rows one PostgreSQL write adds to: per edge, its first/last seen, count,
 * addresses and sample values (with how often each came, in arrival order), and its history rows
 * (level, period, facet) and facet totals — each summed over the batch, so a statement never touches
 * a row twice. Edges come sorted by key: every writer locks rows in the same order (no deadlocks
 * between reports). The levels and offsets are history.ts's: hourly unless the call ended before
 * `hourlyFrom`, the first offset clamped to the period's start.
 */
import type { Identity } from '../../../src/contract/map.js'
import { HOUR_MS, facetKey, identityKey, type Call } from '../call.js'
import { DAY_MS } from '../history.js'
import { MAX_ADDRESSES } from '../edge-store.js'

export const LEVEL_HOUR = 0
export const LEVEL_DAY = 1
export const periodMs = (level: number): number => level === LEVEL_HOUR ? HOUR_MS : DAY_MS

export interface BucketDelta { level: number, period: number, facet: number, firstOff: number, lastOff: number, count: number }

export interface EdgeDelta {
  ck: string
  sk: string
  client: Identity
  server: Identity
  addresses?: string[]
  first: number
  last: number
  count: number
  /** [value, observations] in arrival order, for podmap_merge_sample. */
  names?: Array<[string, number]>
  services?: Array<[string, number]>
  nodes?: Array<[string, number]>
  buckets: BucketDelta[]
  facets: Array<[number, number]>
}

interface Building {
  delta: EdgeDelta
  addresses?: Set<string>
  names?: Map<string, number>
  services?: Map<string, number>
  nodes?: Map<string, number>
  buckets: Map<string, BucketDelta>
  facets: Map<number, number>
}

const bump = (m: Map<string, number>, v: string): void => { m.set(v, (m.get(v) ?? 0) + 1) }

/**
 * Calls with count 0 restate a call after a mapper restart (report version 3): as in the embedded
 * store (edge-store.ts), each counts one observation when the map keeps no count of its edge and
 * facet (`counted`: what the database holds, as `<client key>><server key>/<facet>`), else only its
 * times. Calls with a count are returned as they are.
 */
export function restatedCounts (calls: Call[], counted: Set<string>): Call[] {
  return calls.map((c) => {
    const key = `${identityKey(c.client)}>${identityKey(c.server)}/${facetKey(c.evidence, c.port)}`
    if (c.count > 0) { counted.add(key); return c }
    if (counted.has(key)) return c
    counted.add(key)
    return { ...c, count: 1 }
  })
}

/** The edge and facet keys (as restatedCounts takes them) of calls restating with count 0. */
export function restatingKeys (calls: Call[]): Array<{ ck: string, sk: string, facet: number }> {
  return calls.filter((c) => c.count === 0).map((c) => ({ ck: identityKey(c.client), sk: identityKey(c.server), facet: facetKey(c.evidence, c.port) }))
}

export function callRows (calls: Call[], hourlyFrom: number): EdgeDelta[] {
  const byKey = new Map<string, Building>()
  for (const c of calls) {
    const ck = identityKey(c.client)
    const sk = identityKey(c.server)
    const key = `${ck}>${sk}`
    let b = byKey.get(key)
    if (!b) {
      b = { delta: { ck, sk, client: c.client, server: c.server, first: c.first, last: c.last, count: 0, buckets: [], facets: [] }, buckets: new Map(), facets: new Map() }
      byKey.set(key, b)
    }
    const d = b.delta
    if (c.server.service && !d.server.service) d.server = c.server
    if (c.addresses) {
      b.addresses ??= new Set()
      for (const a of c.addresses) if (b.addresses.size < MAX_ADDRESSES) b.addresses.add(a)
    }
    if (c.first < d.first) d.first = c.first
    if (c.last > d.last) d.last = c.last
    d.count += c.count
    if (c.name !== undefined) bump(b.names ??= new Map(), c.name)
    if (c.server.service !== undefined) bump(b.services ??= new Map(), c.server.service)
    if (c.node !== undefined) bump(b.nodes ??= new Map(), c.node)
    const facet = facetKey(c.evidence, c.port)
    const level = c.last >= hourlyFrom ? LEVEL_HOUR : LEVEL_DAY
    const ms = periodMs(level)
    const period = Math.floor(c.last / ms)
    const start = period * ms
    const firstOff = Math.max(0, c.first - start)
    const lastOff = c.last - start
    const bk = `${level}/${period}/${facet}`
    const bucket = b.buckets.get(bk)
    if (!bucket) b.buckets.set(bk, { level, period, facet, firstOff, lastOff, count: c.count })
    else {
      if (firstOff < bucket.firstOff) bucket.firstOff = firstOff
      if (lastOff > bucket.lastOff) bucket.lastOff = lastOff
      bucket.count += c.count
    }
    b.facets.set(facet, (b.facets.get(facet) ?? 0) + c.count)
  }
  const out: EdgeDelta[] = []
  for (const b of byKey.values()) {
    const d = b.delta
    if (b.addresses) d.addresses = [...b.addresses]
    if (b.names) d.names = [...b.names]
    if (b.services) d.services = [...b.services]
    if (b.nodes) d.nodes = [...b.nodes]
    d.buckets = [...b.buckets.values()].sort((x, y) => x.level - y.level || x.period - y.period || x.facet - y.facet)
    d.facets = [...b.facets].sort((x, y) => x[0] - y[0])
    out.push(d)
  }
  return out.sort((x, y) => x.ck < y.ck ? -1 : x.ck > y.ck ? 1 : x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0)
}
