/**
 * SYNs from the node's own addresses wait for the next scan before they are collected: a
 * hostNetwork pod's connection shows the node's address on the wire, and only the scan (through
 * the socket's owner and its cgroup) can name the pod. A held SYN the scan attributed to a pod
 * (settle) is covered by that pod's session record; any other (a node daemon's connection, or one
 * that closed before the scan) is collected as the node's. Bounded: past `max` held SYNs, new ones
 * are collected at once (counted by the caller as unattributed).
 *
 * Every SYN says which side this node saw it from (report version 3): one from the node's own
 * addresses, or from an address of a local pod's sockets at the last scan (`localAddresses`), is
 * the client side; any other arrived from elsewhere: the server side (the mapper leaves out a
 * server-side observation whose client is a node, which that node's own sniffer reports with better
 * attribution, issue #11). SYNs to port 53 are DNS over TCP: left to the DNS capture, as the /proc
 * scan leaves port-53 sessions out (procnet/sessions.ts); as sessions they made an External edge to
 * the DNS server (issue #11).
 */
import type { SessionObservation } from './collector.js'
import { clientEndKey } from './procnet/sessions.js'

export interface HeldSyn { client: string, clientPort: number, server: string, port: number, at: number }

const DNS_PORT = 53

export class HostSynHold {
  private held: HeldSyn[] = []
  /** Addresses of this node's pods (their sockets' local addresses at the last scan). */
  private localAddresses: ReadonlySet<string> = new Set()

  constructor (
    private readonly hostIps: ReadonlySet<string>,
    private readonly collect: (o: SessionObservation, at: number) => void,
    private readonly max = 10_000
  ) {}

  get size (): number { return this.held.length }

  /** Collects `o` now, or holds it if it left from one of the node's own addresses; skips DNS. */
  offer (o: HeldSyn): void {
    if (o.port === DNS_PORT) return
    if (!this.hostIps.has(o.client) || this.held.length >= this.max) {
      this.collectSyn(o)
      return
    }
    this.held.push(o)
  }

  /** After each scan: the addresses of this node's pods' sockets. */
  setLocalAddresses (addresses: ReadonlySet<string>): void { this.localAddresses = addresses }

  private collectSyn (o: HeldSyn): void {
    const side = this.hostIps.has(o.client) || this.localAddresses.has(o.client) ? 'client' : 'server'
    this.collect({ client: o.client, server: o.server, port: o.port, protocol: 'TCP', side }, o.at)
  }

  /**
   * After a scan that started at `scanStartedAt` and found `sessions`: SYNs older than the scan are
   * settled, dropped where the scan found their client end (address and port) on a socket a pod
   * owns (`podClientEnds`, by `clientEndKey`: also when DNAT changed the server, a ClusterIP call)
   * or a pod-attributed session to the same server and port (one of the pod's connections that
   * closed before the scan, next to one still open), collected otherwise.
   */
  settle (scanStartedAt: number, sessions: ReadonlyArray<SessionObservation>, podClientEnds: ReadonlyMap<string, unknown>): void {
    if (this.held.length === 0) return
    const attributed = new Set<string>()
    for (const s of sessions) if (s.clientPod !== undefined && s.protocol === 'TCP') attributed.add(`${s.client} ${s.server} ${s.port}`)
    const keep: HeldSyn[] = []
    for (const o of this.held) {
      if (o.at >= scanStartedAt) { keep.push(o); continue }
      if (podClientEnds.has(clientEndKey(o.client, o.clientPort, 'TCP')) || attributed.has(`${o.client} ${o.server} ${o.port}`)) continue
      this.collectSyn(o)
    }
    this.held = keep
  }

  /** At shutdown: everything held is collected as is. */
  flush (): void {
    for (const o of this.held) this.collectSyn(o)
    this.held = []
  }
}
