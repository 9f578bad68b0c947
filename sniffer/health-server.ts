/**
 * The sniffer's /healthz and /metrics: HTTP/1.1 over node:net, one request per connection.
 *
 * Not node:http: its server and client modules cost ~2 MiB of resident memory (measured: a net
 * server and client 42.5 MiB, the http ones 44.7) on a process whose budget is 60 MB
 * (BENCHMARKS.md), to answer two GET paths for probes and Prometheus. Each answer carries
 * `connection: close` and a content-length; a request head over 8 KiB, a malformed request line or
 * a connection idle past the timeout is answered or closed, never waited on.
 */
import { createServer, type Server, type Socket } from 'node:net'

export interface HealthRoutes {
  /** Prometheus text for GET /metrics. */
  metrics: () => Promise<string>
  metricsContentType: string
}

const MAX_HEAD_BYTES = 8 * 1024
const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error' }

export async function listenHealth (host: string, port: number, routes: HealthRoutes, timeoutMs = 10_000): Promise<Server> {
  // allowHalfOpen: a client may send its request and half-close before /metrics is rendered.
  const server = createServer({ allowHalfOpen: true }, (socket) => { serve(socket, routes, timeoutMs) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return server
}

function serve (socket: Socket, routes: HealthRoutes, timeoutMs: number): void {
  let head = ''
  let answered = false
  socket.setEncoding('latin1')
  socket.setTimeout(timeoutMs, () => {
    if (answered) { socket.destroy(); return }
    answered = true
    answer(socket, 408, 'application/json', error(408, 'request not received in time'))
  })
  socket.on('error', () => { socket.destroy() })
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
