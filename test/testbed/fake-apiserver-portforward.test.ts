/**
 * The fake API server's pods/portforward at the frame level: subprotocol choice, the 2-byte
 * little-endian port on the first frame of each channel, data on channel 0, the error channel when
 * the pod's port is closed, and HTTP errors before the upgrade.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect as tcpConnect, type AddressInfo, type Server } from 'node:net'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js'
import { mapperObjects } from './fake-apiserver-portforward-objects.js'

let api: FakeApiServer
// The `ws` client that client-node uses (a dependency of it; no type declarations installed).
interface WsClient {
  protocol: string
  on: (event: string, fn: (arg: unknown) => void) => void
  send: (data: Buffer) => void
  close: () => void
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, protocols: string[]) => WsClient
let echo: Server
let echoPort: number
const POD = 'podmap-mapper-6b7c9d8f5-q2w4e'

interface Frames { frames: Array<[number, Buffer]>, ws: WsClient, closed: Promise<void> }

/** Opens a port-forward WebSocket offering client-node's protocols; rejects with the HTTP status on a refusal. */
async function open (path: string): Promise<Frames> {
  const frames: Array<[number, Buffer]> = []
  const ws = new WebSocket(api.url.replace('http:', 'ws:') + path, ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'])
  ws.on('message', (data) => { const b = data as Buffer; frames.push([b[0] as number, Buffer.from(b.subarray(1))]) })
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve())
    ws.on('error', (err) => reject(err as Error))
  })
  return { frames, ws, closed }
}

async function until (what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  assert.ok(ok(), `timed out waiting for ${what}`)
}

before(async () => {
  echo = createServer((s) => s.pipe(s))
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  echoPort = (echo.address() as AddressInfo).port
  api = await startFakeApiServer()
  api.load(mapperObjects({ podIP: '127.0.0.1', port: echoPort }))
})

after(async () => {
  await api?.close()
  echo?.close()
})

test('v4.channel.k8s.io: port prefix on both channels, then data both ways on channel 0', async () => {
  const c = await open(`/api/v1/namespaces/podmap/pods/${POD}/portforward?ports=${echoPort}`)
  assert.equal(c.ws.protocol, 'v4.channel.k8s.io')
  const port = Buffer.alloc(2)
  port.writeUInt16LE(echoPort, 0)
  await until('the two prefix frames', () => c.frames.length >= 2)
  assert.deepEqual(c.frames.slice(0, 2), [[0, port], [1, port]])
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping through ')]))
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('the API server')]))
  await until('the echo', () => Buffer.concat(c.frames.slice(2).filter(([s]) => s === 0).map(([, b]) => b)).toString() === 'ping through the API server')
  assert.equal(api.portForwards().active, 1)
  c.ws.close()
  await c.closed
  await until('the pod connection to close', () => api.portForwards().active === 0)
})

test('a closed pod port: an error message on channel 1, then the WebSocket closes', async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) })
  })
  const c = await open(`/api/v1/namespaces/podmap/pods/${POD}/portforward?ports=${closedPort}`)
  await c.closed
  const errors = c.frames.filter(([s]) => s === 1).map(([, b]) => b)
  assert.equal(errors.length, 2, 'the prefix, then the message')
  assert.match(errors[1]?.toString() ?? '', new RegExp(`^error forwarding port ${closedPort} to pod podmap/${POD}: failed to connect to 127\\.0\\.0\\.1:${closedPort}: ECONNREFUSED$`))
})

test('HTTP errors before the upgrade: unknown pod 404, bad port 400, refused 403', async () => {
  const status = async (path: string): Promise<string> => {
    try { await open(path); return 'opened' } catch (err) { return (err as { message?: string }).message ?? String(err) }
  }
  assert.match(await status(`/api/v1/namespaces/podmap/pods/nope/portforward?ports=${echoPort}`), /404/)
  assert.match(await status(`/api/v1/namespaces/podmap/pods/${POD}/portforward?ports=99999`), /400/)
  assert.match(await status(`/api/v1/namespaces/podmap/pods/${POD}/portforward`), /400/)
  api.refusePortForwards(403)
  try {
    assert.match(await status(`/api/v1/namespaces/podmap/pods/${POD}/portforward?ports=${echoPort}`), /403/)
  } finally {
    api.refusePortForwards(false)
  }
  assert.equal(api.requestCount(`/api/v1/namespaces/podmap/pods/${POD}/portforward`), 5, 'two forwards and three refusals')
})

const KUBECTL = fileURLToPath(new URL('../../.tools/bin/kubectl', import.meta.url))

test('the real kubectl port-forward (SPDY/3.1 after its WebSocket tunnel is declined) carries bytes both ways', async () => {
  assert.ok(existsSync(KUBECTL), `${KUBECTL} is missing: run scripts/install-kube-tools.sh`)
  const dir = await mkdtemp(join(tmpdir(), 'podmap-kpf-'))
  const kubeconfig = join(dir, 'kubeconfig')
  await api.writeKubeconfig(kubeconfig)
  const opened = api.portForwards().opened
  // service/… makes kubectl resolve the Service, its selector's pod and the named target port itself.
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '-n', 'podmap', 'port-forward', 'service/podmap-mapper', '0:9090'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { err += c.toString() })
  try {
    await until('kubectl to listen', () => /Forwarding from 127\.0\.0\.1:\d+ -> \d+/.test(out) || child.exitCode !== null)
    const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out)
    assert.ok(m, `kubectl said: ${out}${err}`)
    assert.equal(Number(m[2]), echoPort, 'kubectl resolved the named target port to the container port')
    const local = Number(m[1])
    const roundTrip = async (size: number): Promise<void> => {
      const payload = Buffer.alloc(size)
      for (let i = 0; i < size; i++) payload[i] = (i * 7 + size) & 0xff
      const got = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = []
        let n = 0
        const s = tcpConnect(local, '127.0.0.1', () => s.write(payload))
        s.on('data', (c: Buffer) => { chunks.push(c); n += c.length; if (n >= size) { s.end(); resolve(Buffer.concat(chunks)) } })
        s.on('error', reject)
        s.setTimeout(10_000, () => { s.destroy(); reject(new Error(`timed out after ${n} of ${size} bytes; kubectl: ${err}`)) })
      })
      assert.ok(got.equals(payload), `${size} bytes echoed unchanged`)
    }
    await Promise.all([roundTrip(5), roundTrip(300_000), roundTrip(20_000)])
    assert.equal(api.portForwards().opened, opened + 1, 'one SPDY connection carries every forwarded connection')
  } finally {
    child.kill('SIGTERM')
    await rm(dir, { recursive: true, force: true })
  }
})
