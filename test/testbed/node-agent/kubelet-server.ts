/**
 * The kubelet's HTTPS port, where the API server sends pods/portforward and pods/log: client
 * certificates signed by the cluster CA only. Port-forward speaks SPDY/3.1 with portforward.k8s.io
 * (what the API server speaks to kubelets when kubectl tunnels SPDY in a WebSocket) and WebSocket
 * with v4.channel.k8s.io (which the API server passes through from clients such as podmap's own
 * port-forward), with the same stream handling as the fake API server's subresource, and connects
 * to the pod's address from the node.
 */
import { createServer, type Server } from 'node:https'
import { readFileSync, existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { AgentConfig } from './agent-config.js'
import type { PodWorker } from './pod-worker.js'
import { createPortForwardHandler } from '../fake-apiserver-portforward.js'

export function startKubeletServer (c: AgentConfig, findPod: (namespace: string, name: string) => PodWorker | undefined, log: (m: string) => void): Promise<Server> {
  const server = createServer({ key: readFileSync(c.kubeletServing.key), cert: readFileSync(c.kubeletServing.cert), ca: readFileSync(c.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet')
    const seg = url.pathname.split('/').filter((s) => s !== '')
    if (seg[0] === 'healthz') { res.end('ok'); return }
    if (seg[0] === 'containerLogs' && seg.length === 4) {
      const file = findPod(seg[1] as string, seg[2] as string)?.logFile(seg[3] as string)
      if (file === undefined || !existsSync(file)) { res.writeHead(404); res.end('container not found'); return }
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(readFileSync(file))
      return
    }
    res.writeHead(404)
    res.end('not found')
  })
  const forwards = createPortForwardHandler({
    getPod: (namespace, name) => {
      const ip = findPod(namespace, name)?.ips[0]
      return ip === undefined ? undefined : { metadata: { name, namespace }, status: { phase: 'Running', podIP: ip } } as never
    },
    refusal: () => undefined
  })
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://kubelet')
    const seg = url.pathname.split('/').filter((s) => s !== '')
    if (seg[0] !== 'portForward' || seg.length < 3) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    // /portForward/<namespace>/<pod>[/<uid>]?port=N is the API server's pods/<pod>/portforward?ports=N
    // one hop on (the API server renames the parameter for the kubelet).
    const ports = [...url.searchParams.getAll('port'), ...url.searchParams.getAll('ports')]
    req.url = `/api/v1/namespaces/${seg[1] ?? ''}/pods/${seg[2] ?? ''}/portforward${ports.length > 0 ? `?ports=${ports.join(',')}` : ''}`
    forwards.handle(req, socket, head)
  })
  server.on('clientError', (err) => log(`kubelet server: ${err.message}`))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(c.kubeletPort, c.ipv4, () => resolve(server))
  })
}

