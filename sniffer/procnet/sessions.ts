/**
 * One network namespace's TCP (or UDP) sockets -> sessions "client talked to server on port".
 * A connection whose local port is one the namespace listens on (on that address or a wildcard) is
 * the server side; any other is the client side. Loopback on either end is skipped.
 * UDP: a connected socket (state 01, remote address set) is a session; an unconnected bound one
 * (state 07, remote port 0) plays the listener. Sessions to port 53 (the resolver's own sockets)
 * are left to the DNS capture.
 */
import { TcpState, type ProcNetRow } from './parse.js'

/** A socket's client end as the scan and the SYN capture both name it: "address port protocol". */
export function clientEndKey (address: string, port: number, protocol: 'TCP' | 'UDP'): string {
  return `${address} ${port} ${protocol}`
}

export interface Session {
  client: string
  server: string
  /** The server's port. */
  port: number
  protocol: 'TCP' | 'UDP'
  /** Which end this namespace holds: the listening one (server) or the other (client). */
  side?: 'client' | 'server'
  /** With `inodes: true`: the inodes of this namespace's client-side sockets of the session. */
  inodes?: number[]
  /** With `inodes: true`: the client's ports, one per connection (local ports on the client side, remote on the server side). */
  clientPorts?: number[]
}

export interface ClassifyOptions {
  protocol?: 'TCP' | 'UDP'
  /** Keep the client-side socket inodes on each session (for attributing host-network sockets). */
  inodes?: boolean
}

const DNS_PORT = 53
const UDP_CONNECTED = 0x01
const UDP_UNCONNECTED = 0x07

function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1'
}

/** Rows from one namespace's tcp and tcp6 (or udp and udp6) files (mapped addresses already IPv4, as parse gives them). */
export function classifySessions (rows: readonly ProcNetRow[], options: ClassifyOptions = {}): Session[] {
  const protocol = options.protocol ?? 'TCP'
  const listenState = protocol === 'TCP' ? TcpState.LISTEN : UDP_UNCONNECTED
  const sessionState = protocol === 'TCP' ? TcpState.ESTABLISHED : UDP_CONNECTED
  // Listeners: on a specific address, on 0.0.0.0 (IPv4 only), on :: (IPv6, and IPv4 unless V6ONLY,
  // which /proc does not show: dual-stack is the default, so it is assumed).
  const specific = new Set<string>()
  const any4 = new Set<number>()
  const any6 = new Set<number>()
  for (const row of rows) {
    if (row.state !== listenState) continue
    if (protocol === 'UDP' && row.remotePort !== 0) continue
    if (row.localIp === '0.0.0.0') any4.add(row.localPort)
    else if (row.localIp === '::') any6.add(row.localPort)
    else specific.add(`${row.localIp} ${row.localPort}`)
  }
  const seen = new Map<string, Session>()
  const sessions: Session[] = []
  for (const row of rows) {
    if (row.state !== sessionState) continue
    if (isLoopback(row.localIp) || isLoopback(row.remoteIp)) continue
    if (row.remotePort === 0 || row.localPort === 0) continue
    const listening = any6.has(row.localPort) ||
      (any4.has(row.localPort) && !row.localIp.includes(':')) ||
      specific.has(`${row.localIp} ${row.localPort}`)
    const session: Session = listening
      ? { client: row.remoteIp, server: row.localIp, port: row.localPort, protocol, side: 'server' }
      : { client: row.localIp, server: row.remoteIp, port: row.remotePort, protocol, side: 'client' }
    // A session to port 53 is a name lookup: the capture already turns its answer into 'dns'
    // evidence; as a session it would add an edge to the cluster DNS from every pod.
    if (session.port === DNS_PORT) continue
    const key = `${session.client} ${session.server} ${session.port}`
    const known = seen.get(key)
    if (known !== undefined) {
      // Both ends in this namespace (a call to the pod's own address): no one side.
      if (known.side !== session.side) delete known.side
      if (options.inodes === true) {
        if (!listening) known.inodes!.push(row.inode)
        known.clientPorts!.push(listening ? row.remotePort : row.localPort)
      }
      continue
    }
    if (options.inodes === true) {
      session.inodes = listening ? [] : [row.inode]
      session.clientPorts = [listening ? row.remotePort : row.localPort]
    }
    seen.set(key, session)
    sessions.push(session)
  }
  return sessions
}
