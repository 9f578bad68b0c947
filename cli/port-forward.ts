/**
 * `kubectl port-forward` for one command: a listener on 127.0.0.1:<ephemeral> whose every connection
 * is carried to a pod's port through the API server (pods/portforward over a WebSocket, client-node's
 * PortForward: one WebSocket per connection). Every handle is unref'd, so a finished command exits
 * even if nobody calls close(); close() ends the listener and every tunnel.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { PassThrough, Writable, type Readable } from 'node:stream'
import { PortForward, type KubeConfig } from '@kubernetes/client-node'
import { PortForwardFailed } from '../src/errors/catalogue.js'
import { describeKubeError } from './kube-connect.js'


export interface PortForwardTarget { namespace: string, pod: string, port: number }

export interface LocalForward {
  /** http://127.0.0.1:<local port> */
  url: string
  localPort: number
  /** What the last failed tunnel said (upgrade refused, or the pod's port unreachable). */
  lastError: () => string | undefined
  /** Tunnels opened so far. */
  tunnels: () => number
  close: () => Promise<void>
}

interface Closable { close: () => void, on?: (event: string, fn: () => void) => void, _socket?: { unref?: () => void } }

/** Opens one tunnel with the same streams client-node uses; resolves to the WebSocket once it is open. */
async function openTunnel (forward: PortForward, t: PortForwardTarget, output: Writable, errors: Writable, input: Readable): Promise<Closable> {
  const ws = await forward.portForward(t.namespace, t.pod, [t.port], output, errors, input)
  if (typeof ws === 'function') throw new Error('unexpected restartable port-forward')
  return ws as unknown as Closable
}

export async function startPortForward (kc: KubeConfig, target: PortForwardTarget, opts: { probe?: boolean } = {}): Promise<LocalForward> {
  const forward = new PortForward(kc, true)
  const server = kc.getCurrentCluster()?.server ?? 'the API server'
  const what = `port-forward to pod ${target.namespace}/${target.pod}:${target.port} through ${server}`
  const tunnels = new Set<Closable>()
  const locals = new Set<Socket>()
  let lastError: string | undefined
  let opened = 0

  // Like kubectl, check at once that the API server accepts the forward (RBAC, pod exists and runs).
  if (opts.probe !== false) {
    let probe: Closable
    try {
      probe = await openTunnel(forward, target, new PassThrough(), new PassThrough(), new PassThrough())
    } catch (err) {
      throw PortForwardFailed(`${what} refused: ${describeUpgradeError(err)}`)
    }
    probe._socket?.unref?.()
    probe.close()
  }

  const listener: Server = createServer((local) => {
    locals.add(local)
    local.unref()
    local.on('error', () => local.destroy())
    local.on('close', () => locals.delete(local))
    const errors = new Writable({
      write (chunk: Buffer, _enc, done) {
        const text = chunk.toString('utf8').trim()
        if (text !== '') { lastError = text; local.destroy() }
        done()
      }
    })
    openTunnel(forward, target, local, errors, local).then((ws) => {
      opened++
      tunnels.add(ws)
      ws._socket?.unref?.()
      ws.on?.('close', () => { tunnels.delete(ws); local.end() })
      local.on('close', () => ws.close())
      if (local.destroyed) ws.close()
    }, (err: unknown) => {
      lastError = `${what} refused: ${describeUpgradeError(err)}`
      local.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(0, '127.0.0.1', () => resolve())
  })
  listener.unref()
  const address = listener.address()
  const localPort = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${localPort}`,
    localPort,
    lastError: () => lastError,
    tunnels: () => opened,
    close: async () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()))
      for (const ws of tunnels) ws.close()
      for (const s of locals) s.destroy()
      await closed
    }
  }
}

/** `ws` reports a refused upgrade as "Unexpected server response: 403"; a dead server by its errno. */
function describeUpgradeError (err: unknown): string {
  const e = err as { message?: string, error?: { message?: string, code?: string }, code?: unknown }
  const inner = e.error ?? e
  const code = (inner as { code?: unknown }).code
  if (typeof code === 'string') return code
  const message = inner.message ?? describeKubeError(err)
  const status = /Unexpected server response: (\d+)/.exec(message)?.[1]
  if (status === undefined) return message.split('\n')[0] ?? message
  const hint: Record<string, string> = {
    400: 'the pod is not running or the request was bad',
    401: 'the kubeconfig\'s credentials were not accepted',
    403: 'forbidden: the user may not create pods/portforward there',
    404: 'no such pod (or no portforward subresource)'
  }
  return `HTTP ${status}${hint[status] ? ` (${hint[status]})` : ''}`
}
