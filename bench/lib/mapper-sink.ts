/**
 * A stand-in for the mapper in benches: accepts POST /api/v1/reports with the bearer token and
 * answers what the real one does, counting records. Listens on `host`:0.
 */
import { createServer, type Server } from 'node:http'

export interface MapperSink {
  url: string
  reports: number
  dns: number
  sockets: number
  close: () => Promise<void>
}

export async function startMapperSink (host: string, token: string): Promise<MapperSink> {
  const sink: MapperSink = { url: '', reports: 0, dns: 0, sockets: 0, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/v1/reports') { res.writeHead(404).end(); return }
      if (req.headers.authorization !== `Bearer ${token}`) { res.writeHead(401).end(); return }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { dns?: unknown[], sockets?: unknown[] }
        sink.reports++
        sink.dns += body.dns?.length ?? 0
        sink.sockets += body.sockets?.length ?? 0
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: { dns: body.dns?.length ?? 0, sockets: body.sockets?.length ?? 0 } }))
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, host, () => resolve()) })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('sink has no port')
  sink.url = `http://${host}:${address.port}`
  sink.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return sink
}
