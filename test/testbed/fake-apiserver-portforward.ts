/**
 * The `pods/portforward` subresource of the fake API server, over WebSocket with the
 * `v4.channel.k8s.io` protocol the way the kubelet streams it: for port number i, channel 2i carries
 * data and channel 2i+1 errors; the first frame the server sends on each channel is the port as two
 * little-endian bytes; every frame starts with its channel byte; the client writes to the data
 * channel without a port prefix. The server connects to podIP:port itself (the pod must be reachable
 * from the machine's root namespace); when that connection ends or fails, the WebSocket closes, after
 * an error message on the error channel for a failure.
 */
import type { IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { serveSpdyPortForward, spdyDictionary, type SpdyForwardTarget } from './fake-apiserver-portforward-spdy.js'
import { acceptWebSocket, isWebSocketUpgrade, offeredProtocols } from './fake-apiserver-websocket.js'
import { statusBody } from './fake-apiserver-bodies.js'
import type { KubeObj } from './fake-apiserver-store.js'

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io'
export const SPDY_PORT_FORWARD_PROTOCOL = 'portforward.k8s.io'
const KUBECTL = fileURLToPath(new URL('../../.tools/bin/kubectl', import.meta.url))

export interface PortForwardDeps {
  getPod: (namespace: string, name: string) => KubeObj | undefined
  /** When set, every forward is refused with this HTTP status (fault injection). */
  refusal: () => number | undefined
  /** Where to read the SPDY/3 header dictionary from (default: .tools/bin/kubectl). */
  kubectlBinary?: string
}

export interface PortForwardHandler {
  /** Handles the upgrade when the path is a pod's portforward subresource; false otherwise. */
  handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean
  /** Forwards opened so far (successful upgrades). */
  opened: () => number
  active: () => number
  closeAll: () => void
}

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/

/** An HTTP error on a socket that asked for an upgrade: a Status body, then the connection ends. */
export function rejectUpgrade (socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify(statusBody(code, reason, message))
  const text = code === 400 ? 'Bad Request' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : code === 405 ? 'Method Not Allowed' : 'Error'
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

export function createPortForwardHandler (deps: PortForwardDeps): PortForwardHandler {
  const upstreams = new Set<Socket>()
  let opened = 0

  const spdy = (req: IncomingMessage, socket: Duplex, head: Buffer, target: SpdyForwardTarget): true => {
    const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim())
    if (!versions.includes(SPDY_PORT_FORWARD_PROTOCOL)) {
      rejectUpgrade(socket, 400, 'BadRequest', `X-Stream-Protocol-Version must include ${SPDY_PORT_FORWARD_PROTOCOL}`)
      return true
    }
    let dict: Buffer
    try { dict = spdyDictionary(deps.kubectlBinary ?? KUBECTL) } catch (err) {
      rejectUpgrade(socket, 400, 'BadRequest', `SPDY/3.1 port-forward unavailable: ${(err as Error).message}`)
      return true
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_PORT_FORWARD_PROTOCOL}\r\n\r\n`)
    opened++
    serveSpdyPortForward(socket, head, dict, target)
    return true
  }

  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const m = PATH.exec(url.pathname)
    if (!m) return false
    const namespace = decodeURIComponent(m[1] as string)
    const name = decodeURIComponent(m[2] as string)
    const refused = deps.refusal()
    if (refused !== undefined) {
      rejectUpgrade(socket, refused, refused === 403 ? 'Forbidden' : 'InternalError', `pods "${name}" is forbidden: port-forward refused by the fake API server`)
      return true
    }
    const pod = deps.getPod(namespace, name)
    if (!pod) {
      rejectUpgrade(socket, 404, 'NotFound', `pods "${name}" not found`)
      return true
    }
    const status = (pod.status ?? {}) as { phase?: string, podIP?: string }
    if (status.phase !== 'Running' || !status.podIP) {
      rejectUpgrade(socket, 400, 'BadRequest', `pod ${name} is not running (phase ${status.phase ?? 'unknown'}) or has no IP`)
      return true
    }
    const podIP = status.podIP
    if (!isWebSocketUpgrade(req)) {
      if ((req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1') return spdy(req, socket, head, { podIP, namespace, name, upstreams })
      rejectUpgrade(socket, 400, 'BadRequest', `upgrade "${req.headers.upgrade ?? ''}" is not supported by the fake API server: use a WebSocket with ${PORT_FORWARD_PROTOCOL}, or SPDY/3.1`)
      return true
    }
    const offered = offeredProtocols(req)
    const protocol = offered.length === 0 ? '' : offered.includes(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : undefined
    if (protocol === undefined) {
      // kubectl offers SPDY tunnelled in a WebSocket first, then falls back to plain SPDY/3.1.
      rejectUpgrade(socket, 400, 'BadRequest', `none of the subprotocols ${offered.join(', ')} is supported: use ${PORT_FORWARD_PROTOCOL}`)
      return true
    }
    const ports: number[] = []
    for (const raw of url.searchParams.getAll('ports').flatMap((p) => p.split(','))) {
      const port = Number(raw)
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        rejectUpgrade(socket, 400, 'BadRequest', `invalid port "${raw}"`)
        return true
      }
      ports.push(port)
    }
    if (ports.length === 0) {
      rejectUpgrade(socket, 400, 'BadRequest', 'at least one port must be given (?ports=N)')
      return true
    }

    const ws = acceptWebSocket(req, socket, head, protocol)
    opened++
    const conns: Socket[] = []
    let open = ports.length
    const frame = (channel: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([channel]), data])
    ports.forEach((port, i) => {
      const prefix = Buffer.alloc(2)
      prefix.writeUInt16LE(port, 0)
      ws.sendBinary(frame(2 * i, prefix))
      ws.sendBinary(frame(2 * i + 1, prefix))
      const conn = connect({ host: podIP, port })
      conns.push(conn)
      upstreams.add(conn)
      let failed = false
      conn.on('data', (chunk: Buffer) => ws.sendBinary(frame(2 * i, chunk)))
      conn.on('error', (err: NodeJS.ErrnoException) => {
        failed = true
        ws.sendBinary(frame(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${namespace}/${name}: failed to connect to ${podIP}:${port}: ${err.code ?? err.message}`)))
      })
      conn.on('close', () => {
        upstreams.delete(conn)
        if (--open === 0 || failed) ws.close()
      })
    })
    ws.onMessage((data) => {
      const channel = data[0]
      if (channel === undefined || channel % 2 !== 0) return
      conns[channel / 2]?.write(data.subarray(1))
    })
    ws.onClose(() => { for (const c of conns) c.end() })
    return true
  }

  return {
    handle,
    opened: () => opened,
    active: () => upstreams.size,
    closeAll: () => { for (const c of upstreams) c.destroy(); upstreams.clear() }
  }
}
