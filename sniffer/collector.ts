/**
 * Dedupes observations between reports: one record per key with count and first/last seen. Bounded:
 * past `maxRecords` new keys are dropped and counted, never silently.
 */
import type { DnsRecord, PodRef, SocketRecord } from '../src/contract/report.js'
import type { DnsObservation } from './capture/packet-decoder.js'

export type { DnsObservation }
/**
 * A session; `clientPod` when a hostNetwork pod's process owned the client socket; `side` where only
 * one end of it was seen on this node (see socketRecordSchema).
 */
export interface SessionObservation { client: string, server: string, port: number, protocol: 'TCP' | 'UDP', clientPod?: PodRef, side?: 'client' | 'server' }

export interface Batch { dns: DnsRecord[], sockets: SocketRecord[] }

/** A session's identity, in the collector (one record per interval) and the sent ledger (one per refresh). */
export function sessionKey (s: Pick<SocketRecord, 'client' | 'server' | 'port' | 'protocol' | 'side'> & { clientPod?: { uid: string } }): string {
  return `${s.client}|${s.server}|${s.port}|${s.protocol}|${s.clientPod?.uid ?? ''}|${s.side ?? ''}`
}

export class Collector {
  /**
   * DNS records by client, then name, then answer set (the records of one client and name differ
   * only in their answers). Nested maps, not one map on a joined key: no key string is built per
   * packet, and the decoder hands out the same client and name strings again (address-intern.ts,
   * decode-response.ts), so their hashes are computed once.
   */
  private dns = new Map<string, Map<string, DnsRecord[]>>()
  private dnsCount = 0
  private sockets = new Map<string, SocketRecord>()

  constructor (private readonly maxRecords: number, private readonly onDrop: (reason: string, n: number) => void) {}

  get size (): number { return this.dnsCount + this.sockets.size }

  addDns (o: DnsObservation): void {
    let byName = this.dns.get(o.client)
    const records = byName?.get(o.name)
    if (records !== undefined) {
      for (const rec of records) {
        if (!sameAnswers(rec.answers, o.answers)) continue
        rec.count++
        if (o.at > rec.lastSeen) rec.lastSeen = o.at
        if (o.ttl < rec.ttl) rec.ttl = o.ttl
        return
      }
    }
    if (this.size >= this.maxRecords) { this.onDrop('collector-full', 1); return }
    // A copy of the answers: the decoder's own arrays must never outlive a packet, or V8 sees its
    // allocation site survive and allocates every later one straight in the old generation
    // (pretenuring), which then grows by ~180 bytes a packet until a full collection.
    const created: DnsRecord = { client: o.client, name: o.name, answers: o.answers.slice(), ttl: o.ttl, firstSeen: o.at, lastSeen: o.at, count: 1 }
    if (records !== undefined) records.push(created)
    else {
      if (byName === undefined) { byName = new Map(); this.dns.set(o.client, byName) }
      byName.set(o.name, [created])
    }
    this.dnsCount++
  }

  addSession (o: SessionObservation, at: number): void {
    const key = sessionKey(o)
    const rec = this.sockets.get(key)
    if (rec) {
      rec.count++
      if (at > rec.lastSeen) rec.lastSeen = at
      return
    }
    if (this.size >= this.maxRecords) { this.onDrop('collector-full', 1); return }
    const created: SocketRecord = { client: o.client, server: o.server, port: o.port, protocol: o.protocol, firstSeen: at, lastSeen: at, count: 1 }
    if (o.clientPod !== undefined) created.clientPod = o.clientPod.containerId === undefined ? { uid: o.clientPod.uid } : { uid: o.clientPod.uid, containerId: o.clientPod.containerId }
    if (o.side !== undefined) created.side = o.side
    this.sockets.set(key, created)
  }

  /** Takes everything collected so far and starts empty. */
  drain (): Batch {
    const dns: DnsRecord[] = []
    for (const byName of this.dns.values()) for (const records of byName.values()) dns.push(...records)
    const batch = { dns, sockets: [...this.sockets.values()] }
    this.dns = new Map()
    this.dnsCount = 0
    this.sockets = new Map()
    return batch
  }
}

/** The same set of addresses (each list holds an address once), in any order. */
function sameAnswers (a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  if (a.length === 1) return a[0] === b[0]
  for (const x of b) if (!a.includes(x)) return false
  return true
}
