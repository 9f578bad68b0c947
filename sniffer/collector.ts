/**
 * Dedupes observations between reports: one record per key with count and first/last seen. Bounded:
 * past `maxRecords` new keys are dropped and counted, never silently.
 */
import type { DnsRecord, PodRef, SocketRecord } from '../src/contract/report.js'
import type { DnsObservation } from './capture/packet-decoder.js'

export type { DnsObservation }
/** A session; `clientPod` when a hostNetwork pod's process owned the client socket. */
export interface SessionObservation { client: string, server: string, port: number, protocol: 'TCP' | 'UDP', clientPod?: PodRef }

export interface Batch { dns: DnsRecord[], sockets: SocketRecord[] }

export class Collector {
  private dns = new Map<string, DnsRecord>()
  private sockets = new Map<string, SocketRecord>()

  constructor (private readonly maxRecords: number, private readonly onDrop: (reason: string, n: number) => void) {}

  get size (): number { return this.dns.size + this.sockets.size }

  addDns (o: DnsObservation): void {
    const key = `${o.client}|${o.name}|${o.answers.length === 1 ? o.answers[0] : [...o.answers].sort().join(',')}`
    const rec = this.dns.get(key)
    if (rec) {
      rec.count++
      if (o.at > rec.lastSeen) rec.lastSeen = o.at
      if (o.ttl < rec.ttl) rec.ttl = o.ttl
      return
    }
    if (this.size >= this.maxRecords) { this.onDrop('collector-full', 1); return }
    // A copy of the answers: the decoder's own arrays must never outlive a packet, or V8 sees its
    // allocation site survive and allocates every later one straight in the old generation
    // (pretenuring), which then grows by ~180 bytes a packet until a full collection.
    this.dns.set(key, { client: o.client, name: o.name, answers: o.answers.slice(), ttl: o.ttl, firstSeen: o.at, lastSeen: o.at, count: 1 })
  }

  addSession (o: SessionObservation, at: number): void {
    const key = o.clientPod === undefined ? `${o.client}|${o.server}|${o.port}|${o.protocol}` : `${o.client}|${o.server}|${o.port}|${o.protocol}|${o.clientPod.uid}`
    const rec = this.sockets.get(key)
    if (rec) {
      rec.count++
      if (at > rec.lastSeen) rec.lastSeen = at
      return
    }
    if (this.size >= this.maxRecords) { this.onDrop('collector-full', 1); return }
    const created: SocketRecord = { client: o.client, server: o.server, port: o.port, protocol: o.protocol, firstSeen: at, lastSeen: at, count: 1 }
    if (o.clientPod !== undefined) created.clientPod = o.clientPod.containerId === undefined ? { uid: o.clientPod.uid } : { uid: o.clientPod.uid, containerId: o.clientPod.containerId }
    this.sockets.set(key, created)
  }

  /** Takes everything collected so far and starts empty. */
  drain (): Batch {
    const batch = { dns: [...this.dns.values()], sockets: [...this.sockets.values()] }
    this.dns = new Map()
    this.sockets = new Map()
    return batch
  }
}
