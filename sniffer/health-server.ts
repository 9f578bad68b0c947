/**
 * The sniffer's /healthz and /metrics: HTTP/1.1 over node:net, one request per connection.
 *
 * Not node:http: its server and client modules cost ~2 MiB of resident memory (measured: a net
 * server and client 42.5 MiB, the http ones 44.7) on a process whose budget is 60 MB
 * (BENCHMARKS.md), to answer two GET paths for probes and Prometheus. Each answer carries
 * `connection: close` and a content-length; a request head over 8 KiB or a malformed request line
 * is answered and closed, never waited on.
 *
 * It listens on the node's network (hostNetwork), so every pod can reach it. Three bounds keep a
 * hostile client from holding it (issue #17, RELIABILITY.md):
 * - a whole-connection deadline from accept, not an idle timeout: a client trickling one byte at a
 *   time is answered 408 and cut off at the deadline all the same;
 * - at most `maxPerPeer` open connections per client address;
 * - at most `maxConnections` open connections from addresses that are not the node's own (kubelet
 *   probes come from the node, so a flood from pods cannot starve them).
 * Every connection refused or cut off is counted by reason through `onClosed`.
 */
import { createServer, type Server, type Socket } from 'node:net'

export interface HealthRoutes {
  /** Prometheus text for GET /metrics. */
  metrics: () => Promise<string>
  metricsContentType: string
}

export type HealthCloseReason = 'deadline' | 'cap-peer' | 'cap-total'

export interface HealthLimits {
  /** Whole-connection deadline from accept, in ms (request, answer and close). */
  deadlineMs: number
  /** Open connections per client address. */
  maxPerPeer: number
  /** Open connections from addresses outside `localAddresses`, together. */
  maxConnections: number
  /** The node's own addresses (loopback included): their connections do not count towards maxConnections. */
  localAddresses: ReadonlySet<string>
  onClosed?: (reason: HealthCloseReason) => void
  /** Errors of the listening socket itself (e.g. EMFILE on accept): reported, never thrown. */
  onError?: (err: Error) => void
}

export const DEFAULT_HEALTH_LIMITS: HealthLimits = { deadlineMs: 5_000, maxPerPeer: 8, maxConnections: 128, localAddresses: new Set(['127.0.0.1', '::1']) }

const MAX_HEAD_BYTES = 8 * 1024
/** After the deadline's 408, how long the answer may take to leave before the socket is destroyed. */
const LINGER_MS = 1_000
const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error' }

export async function listenHealth (host: string, port: number, routes: HealthRoutes, limits: Partial<HealthLimits> = {}): Promise<Server> {
  const l: HealthLimits = { ...DEFAULT_HEALTH_LIMITS, ...limits }
  const perPeer = new Map<string, number>()
  let remote = 0
  // allowHalfOpen: a client may send its request and half-close before /metrics is rendered.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const peer = normalise(socket.remoteAddress ?? '')
    const local = l.localAddresses.has(peer)
    const mine = perPeer.get(peer) ?? 0
    const refusal: HealthCloseReason | undefined = mine >= l.maxPerPeer ? 'cap-peer' : !local && remote >= l.maxConnections ? 'cap-total' : undefined
    if (refusal !== undefined) {
      socket.on('error', () => {})
      socket.destroy()
      l.onClosed?.(refusal)
      return
    }
    perPeer.set(peer, mine + 1)
    if (!local) remote++
    socket.once('close', () => {
      const n = (perPeer.get(peer) ?? 1) - 1
      if (n <= 0) perPeer.delete(peer)
      else perPeer.set(peer, n)
      if (!local) remote--
    })
    serve(socket, routes, l)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  // Past listen, an error of the server (accept failing at fd exhaustion) must not end the process.
  server.on('error', (err) => { l.onError?.(err) })
  return server
}

/** `::ffff:a.b.c.d` (an IPv4 client of a dual-stack listener) counts as a.b.c.d. */
function normalise (address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

function serve (socket: Socket, routes: HealthRoutes, l: HealthLimits): void {
  let head = ''
  let answered = false
  socket.setEncoding('latin1')
  // One deadline for the whole connection, never restarted by traffic.
  const deadline = setTimeout(() => {
    l.onClosed?.('deadline')
    if (answered) { socket.destroy(); return }
    answered = true
    answer(socket, 408, 'application/json', error(408, 'request not completed in time'))
    setTimeout(() => { socket.destroy() }, LINGER_MS).unref()
  }, l.deadlineMs)
  deadline.unref()
  socket.once('close', () => { clearTimeout(deadline) })
  socket.on('error', () => { socket.destroy() })
  // The client half-closed before a whole request head: nothing more can come, free the place now.
  socket.on('end', () => { if (!answered) socket.destroy() })
  socket.on('data', (chunk: string) => {
    if (answered) return
    head += chunk
    const end = head.indexOf('\r\n\r\n')
    if (end === -1) {
      if (head.length > MAX_HEAD_BYTES) { answered = true; answer(socket, 431, 'application/json', error(431, 'request head too large')) }
      return
    }
    answered = true
    const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.slice(0, head.indexOf('\r\n')))
    head = ''
    if (m === null) { answer(socket, 400, 'application/json', error(400, 'malformed request line')); return }
    const method = m[1] as string
    const path = (m[2] as string).split('?')[0]
    if (method !== 'GET' && method !== 'HEAD') { answer(socket, 405, 'application/json', error(405, `${method} is not served here`), method); return }
    if (path === '/healthz') {
      answer(socket, 200, 'application/json', '{"status":"ok"}', method)
    } else if (path === '/metrics') {
      routes.metrics().then(
        (text) => { answer(socket, 200, routes.metricsContentType, text, method) },
        () => { answer(socket, 500, 'application/json', error(500, 'metrics unavailable'), method) }
      )
    } else {
      answer(socket, 404, 'application/json', error(404, 'not found'), method)
    }
  })
}

function error (status: number, message: string): string {
  const code = status === 404 ? 'PODMAP_ERR_NOT_FOUND' : status === 500 ? 'PODMAP_ERR_INTERNAL' : 'PODMAP_ERR_BAD_REQUEST'
  return JSON.stringify({ statusCode: status, code, message })
}

function answer (socket: Socket, status: number, contentType: string, body: string, method = 'GET'): void {
  if (socket.destroyed) return
  const bytes = Buffer.from(body, 'utf8')
  socket.end(Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\ncontent-type: ${contentType}\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`, 'latin1'),
    method === 'HEAD' ? Buffer.alloc(0) : bytes
  ]))
}
