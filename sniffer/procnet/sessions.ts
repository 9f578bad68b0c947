/**
 * One network namespace's TCP sockets -> sessions "client talked to server on port".
 * A connection whose local port is one the namespace listens on (on that address or a wildcard) is
 * the server side; any other is the client side. Loopback on either end is skipped.
 */
import { TcpState, type ProcNetRow } from './parse.js'

export interface Session {
  client: string
  server: string
  /** The server's port. */
  port: number
  protocol: 'TCP'
}

function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1'
}

/** Rows from one namespace's tcp and tcp6 files (mapped addresses already IPv4, as parse gives them). */
export function classifySessions (rows: readonly ProcNetRow[]): Session[] {
  // Listeners: on a specific address, on 0.0.0.0 (IPv4 only), on :: (IPv6, and IPv4 unless V6ONLY,
  // which /proc does not show: dual-stack is the default, so it is assumed).
  const specific = new Set<string>()
  const any4 = new Set<number>()
  const any6 = new Set<number>()
  for (const row of rows) {
    if (row.state !== TcpState.LISTEN) continue
    if (row.localIp === '0.0.0.0') any4.add(row.localPort)
    else if (row.localIp === '::') any6.add(row.localPort)
    else specific.add(`${row.localIp} ${row.localPort}`)
  }
  const seen = new Set<string>()
  const sessions: Session[] = []
  for (const row of rows) {
    if (row.state !== TcpState.ESTABLISHED) continue
    if (isLoopback(row.localIp) || isLoopback(row.remoteIp)) continue
    if (row.remotePort === 0 || row.localPort === 0) continue
    const listening = any6.has(row.localPort) ||
      (any4.has(row.localPort) && !row.localIp.includes(':')) ||
      specific.has(`${row.localIp} ${row.localPort}`)
    const session: Session = listening
      ? { client: row.remoteIp, server: row.localIp, port: row.localPort, protocol: 'TCP' }
      : { client: row.localIp, server: row.remoteIp, port: row.remotePort, protocol: 'TCP' }
    const key = `${session.client} ${session.server} ${session.port}`
    if (seen.has(key)) continue
    seen.add(key)
    sessions.push(session)
  }
  return sessions
}
