/**
 * The CLI reaching the mapper through the Kubernetes API: the fake API server's pods/portforward
 * (WebSocket, v4.channel.k8s.io) carries connections to a real mapper app on 127.0.0.1, found from
 * the kubeconfig by the chart's Service labels, its EndpointSlice or its selector.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect as tcpConnect, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, TEST_TOKEN } from '../mapper/test-app.js'
import { IP } from '../mapper/fixtures.js'
import { runPodmap, type PodmapResult } from './run-podmap.js'
import { startFakeApiServer, type FakeApiServer } from '../testbed/fake-apiserver.js'
import { mapperObjects } from '../testbed/fake-apiserver-portforward-objects.js'
import { findMapper } from '../../cli/kube-connect.js'
import { loadKubeConfig } from '../../src/kube/kubeconfig.js'
import { startPortForward } from '../../cli/port-forward.js'

let app: FastifyInstance
let mapperPort: number
let dir: string

async function podmap (env: Record<string, string>, ...args: string[]): Promise<PodmapResult> {
  // A clean environment: no PODMAP_MAPPER_URL or KUBECONFIG of the caller's leaks in.
  return await runPodmap(args, { env, home: dir })
}

async function withApi<T> (fn: (api: FakeApiServer, kubeconfig: string) => Promise<T>): Promise<T> {
  const api = await startFakeApiServer()
  const kubeconfig = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`)
  await api.writeKubeconfig(kubeconfig)
  try { return await fn(api, kubeconfig) } finally { await api.close() }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podmap-pf-'))
  ;({ app } = await buildTestApp())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  mapperPort = Number(new URL(url).port)
  const now = Date.now()
  const res = await app.inject({
    method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TEST_TOKEN}` },
    payload: { version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client: IP.checkout, server: IP.orders, port: 8080, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }
  })
  assert.equal(res.statusCode, 200)
})

after(async () => {
  await app?.close()
  await rm(dir, { recursive: true, force: true })
})

test('`podmap list` with only KUBECONFIG set finds podmap-mapper by label and port-forwards to its pod', async () => {
  await withApi(async (api, kubeconfig) => {
    api.load(mapperObjects({ podIP: '127.0.0.1', port: mapperPort }))
    const r = await podmap({ KUBECONFIG: kubeconfig }, 'list')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^CLIENT\s+SERVER/)
    assert.match(r.stdout, /Deployment shop\/checkout\s+Deployment shop\/orders\s+\S+\s+8080\/TCP/)
    assert.equal(r.stderr, '')
    assert.ok(api.portForwards().opened >= 2, 'a probe and at least one tunnel went through the API server')
    assert.equal(api.requestCount('/api/v1/namespaces/podmap/pods/podmap-mapper-6b7c9d8f5-q2w4e/portforward'), api.portForwards().opened)
    assert.equal(api.requestCount('/api/v1/services'), 1, 'searched across namespaces by label')
  })
})

test('--mapper-namespace and --context pick the release; without an EndpointSlice the selector and named port are used', async () => {
  await withApi(async (api, kubeconfig) => {
    api.load(mapperObjects({ namespace: 'tools', service: 'obs-podmap-mapper', podIP: '127.0.0.1', port: mapperPort, endpointSlice: false }))
    api.load(mapperObjects({ namespace: 'other', service: 'x-podmap-mapper', podIP: '127.0.0.1', port: 1, endpointSlice: false }))
    const r = await podmap({}, 'list', '--kubeconfig', kubeconfig, '--context', 'fake', '--mapper-namespace', 'tools', '-o', 'json')
    assert.equal(r.code, 0, r.stderr)
    assert.equal((JSON.parse(r.stdout) as { edges: unknown[] }).edges.length, 1)
    assert.ok(api.requestCount('/api/v1/namespaces/tools/pods/obs-podmap-mapper-6b7c9d8f5-q2w4e/portforward') >= 1)
    const both = await podmap({ KUBECONFIG: kubeconfig }, 'list')
    assert.equal(both.code, 1)
    assert.equal(both.stderr, 'podmap list: 2 mapper Services found (other/x-podmap-mapper, tools/obs-podmap-mapper): choose one with --mapper-namespace\n')
  })
})

test('--mapper-url wins over the kubeconfig: the API server is not asked', async () => {
  await withApi(async (api, kubeconfig) => {
    const r = await podmap({ KUBECONFIG: kubeconfig, PODMAP_MAPPER_URL: `http://127.0.0.1:${mapperPort}` }, 'list', '-o', 'json')
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(api.requestCounts(), {})
  })
})

test('the tunnel carries bytes both ways unchanged, for concurrent connections and large frames', async () => {
  const echo: Server = createServer((s) => s.pipe(s))
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  const echoPort = (echo.address() as AddressInfo).port
  try {
    await withApi(async (api, kubeconfig) => {
      api.load(mapperObjects({ service: 'podmap-mapper', podIP: '127.0.0.1', port: echoPort }))
      const kc = loadKubeConfig({ paths: kubeconfig, otherwise: { homeDir: dir } })
      const target = await findMapper(kc)
      assert.deepEqual(target, { namespace: 'podmap', service: 'podmap-mapper', pod: 'podmap-mapper-6b7c9d8f5-q2w4e', port: echoPort })
      const forward = await startPortForward(kc, target)
      try {
        const roundTrip = async (size: number, seed: number): Promise<void> => {
          const payload = Buffer.alloc(size, 0)
          for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed) & 0xff
          const got = await new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = []
            let n = 0
            const s = tcpConnect(forward.localPort, '127.0.0.1', () => s.write(payload))
            s.on('data', (c: Buffer) => { chunks.push(c); n += c.length; if (n >= size) { s.end(); resolve(Buffer.concat(chunks)) } })
            s.on('error', reject)
            s.setTimeout(20_000, () => { s.destroy(); reject(new Error(`timed out after ${n} of ${size} bytes`)) })
          })
          assert.ok(got.equals(payload), `${size} bytes echoed unchanged`)
        }
        await Promise.all([roundTrip(10, 1), roundTrip(70_000, 2), roundTrip(1_500_000, 3)])
        assert.equal(forward.tunnels(), 3)
        assert.equal(forward.lastError(), undefined)
      } finally {
        await forward.close()
      }
    })
  } finally {
    echo.close()
  }
})
