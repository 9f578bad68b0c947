/**
 * SYNs from the node's own addresses wait for the next scan before they are collected: a
 * hostNetwork pod's connection shows the node's address on the wire, and only the scan (through
 * the socket's owner and its cgroup) can name the pod. A held SYN whose session the scan
 * attributed to a pod is covered by that record; any other (a node daemon's connection, or one
 * that closed before the scan) is collected as the node's. Bounded: past `max` held SYNs, new ones
 * are collected at once (counted by the caller as unattributed).
 */
import type { SessionObservation } from './collector.js'

export interface HeldSyn { client: string, server: string, port: number, at: number }

export class HostSynHold {
  private held: HeldSyn[] = []

  constructor (
    private readonly hostIps: ReadonlySet<string>,
    private readonly collect: (o: SessionObservation, at: number) => void,
    private readonly max = 10_000
  ) {}

  get size (): number { return this.held.length }

  /** Collects `o` now, or holds it if it left from one of the node's own addresses. */
  offer (o: HeldSyn): void {
    if (!this.hostIps.has(o.client) || this.held.length >= this.max) {
      this.collect({ client: o.client, server: o.server, port: o.port, protocol: 'TCP' }, o.at)
      return
    }
    this.held.push(o)
  }

  /**
   * After a scan that started at `scanStartedAt` and found `sessions`: SYNs older than the scan are
   * settled (dropped where a pod-attributed session covers them, collected otherwise).
   */
  settle (scanStartedAt: number, sessions: ReadonlyArray<SessionObservation>): void {
    if (this.held.length === 0) return
    const attributed = new Set<string>()
    for (const s of sessions) if (s.clientPod !== undefined && s.protocol === 'TCP') attributed.add(`${s.client} ${s.server} ${s.port}`)
    const keep: HeldSyn[] = []
    for (const o of this.held) {
      if (o.at >= scanStartedAt) { keep.push(o); continue }
      if (attributed.has(`${o.client} ${o.server} ${o.port}`)) continue
      this.collect({ client: o.client, server: o.server, port: o.port, protocol: 'TCP' }, o.at)
    }
    this.held = keep
  }

  /** At shutdown: everything held is collected as is. */
  flush (): void {
    for (const o of this.held) this.collect({ client: o.client, server: o.server, port: o.port, protocol: 'TCP' }, o.at)
    this.held = []
  }
}
