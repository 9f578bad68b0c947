/**
 * The kubelet's HTTPS port, where the API server sends pods/portforward and pods/log: client
 * certificates signed by the cluster CA only. Port-forward speaks SPDY/3.1 with
 * portforward.k8s.io (what the API server speaks to kubelets, also when kubectl came in over a
 * WebSocket) and connects to the pod's address from the node.
 */
import { createServer, type Server } from 'node:https'
import { readFileSync, existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { AgentConfig } from './agent-config.js'
import type { PodWorker } from './pod-worker.js'
import { serveSpdyPortForward, spdyDictionary } from '../fake-apiserver-portforward-spdy.js'
import { fileURLToPath } from 'node:url'

const KUBECTL = fileURLToPath(new URL('../../../.tools/bin/kubectl', import.meta.url))

export function startKubeletServer (c: AgentConfig, findPod: (namespace: string, name: string) => PodWorker | undefined, log: (m: string) => void): Promise<Server> {
  const upstreams = new Set<Socket>()
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
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const seg = new URL(req.url ?? '/', 'https://kubelet').pathname.split('/').filter((s) => s !== '')
    const pod = seg[0] === 'portForward' ? findPod(seg[1] ?? '', seg[2] ?? '') : undefined
    const podIP = pod?.ips[0]
    if (pod === undefined || podIP === undefined || (req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n')
    serveSpdyPortForward(socket, head, spdyDictionary(KUBECTL), { podIP, namespace: pod.namespace, name: pod.name, upstreams })
  })
  server.on('clientError', (err) => log(`kubelet server: ${err.message}`))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(c.kubeletPort, c.ipv4, () => resolve(server))
  })
}
