/**
 * `npm run bench:query`: GET /api/v1/map over 100,000 edges (p50/p99 over real HTTP on loopback),
 * memory per edge, and the informer-fed cluster state for 5,000 pods and 1,000 services (heap of
 * the index after a real list/watch sync from the fake API server). Run with --expose-gc for exact
 * memory figures (the npm script does). Ends with one JSON line.
 */
import { get, pct } from './lib/http-get.js'
import { createLogger } from '../src/log/logger.js'
import { ClusterIndex } from '../mapper/kube/cluster-index.js'
import { DEFAULT_TIME_BOUNDS } from '../mapper/resolve/ingest.js'
import { createMapper } from '../mapper/create-mapper.js'
import { startInformers } from '../mapper/kube/informers.js'
import { loadKubeConfig } from '../src/kube/kubeconfig.js'
import { startFakeApiServer } from '../test/testbed/fake-apiserver.js'
import type { Call } from '../mapper/store/call.js'
import { syntheticCluster } from './mapper-cluster.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const EDGES = Number(process.env.BENCH_EDGES ?? 100_000)
const QUERIES = Number(process.env.BENCH_QUERIES ?? 30)

const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }
const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed }

const log = createLogger({ level: 'warn', component: 'mapper' })
if (!(globalThis as { gc?: unknown }).gc) console.log('note: run with --expose-gc for exact memory figures')

// 1. The map: EDGES edges between synthetic workloads, three hourly buckets each, in the mapper as
// main.ts builds it (in memory, an empty cluster).
const { app, map } = await createMapper({
  log, token: 'x', clusterDomain: 'cluster.local', excludeNamespaces: [], times: DEFAULT_TIME_BOUNDS,
  requestTimeoutMs: 30_000, bodyLimit: 1 << 20
})
const before = heap()
const now = Date.now()
const calls: Call[] = []
const workloads = Math.ceil(Math.sqrt(EDGES)) + 1
for (let i = 0; i < EDGES; i++) {
  const c = i % workloads
  const s = Math.floor(i / workloads)
  for (let h = 0; h < 3; h++) {
    calls.push({
      client: { kind: 'Deployment', namespace: `ns-${c % 50}`, name: `client-${c}` },
      server: { kind: 'Deployment', namespace: `ns-${s % 50}`, name: `server-${s}`, service: `server-${s}` },
      port: { port: 8080, protocol: 'TCP' },
      evidence: h === 0 ? 'dns' : 'tcp',
      first: now - h * 3_600_000,
      last: now - h * 3_600_000,
      count: 1
    })
  }
  if (calls.length >= 30_000) { await map.record(calls.splice(0)) }
}
await map.record(calls.splice(0))
const mapBytes = heap() - before
const base = await app.listen({ host: '127.0.0.1', port: 0 })
const full: number[] = []
let bytes = 0
for (let i = 0; i < QUERIES; i++) { const r = await get(`${base}/api/v1/map`); full.push(r.ms); bytes = r.bytes; if (r.status !== 200) throw new Error(`status ${r.status}`) }
const ns: number[] = []
for (let i = 0; i < QUERIES; i++) ns.push((await get(`${base}/api/v1/map?namespace=ns-7`)).ms)
const windowed: number[] = []
for (let i = 0; i < QUERIES; i++) windowed.push((await get(`${base}/api/v1/map?since=90m`)).ms)
await app.close()
// Reference: the same map already in memory, serialised by one JSON.stringify (no HTTP, no filtering).
const edgesNow = await map.list()
const ref: number[] = []
for (let i = 0; i < Math.min(QUERIES, 10); i++) { const t = process.hrtime.bigint(); JSON.stringify({ edges: edgesNow }); ref.push(Number(process.hrtime.bigint() - t) / 1e6) }

// 2. Informer-fed cluster state for 5,000 pods and 1,000 services, through real list/watch.
const cluster = syntheticCluster(5000, 1000)
const api = await startFakeApiServer()
api.load(cluster.objects.map(([, o]) => ({ apiVersion: apiVersionOf(o.kind as string), ...o })) as Parameters<typeof api.load>[0])
const dir = await mkdtemp(join(tmpdir(), 'podmap-bench-query-'))
await api.writeKubeconfig(join(dir, 'kubeconfig'))
const beforeInformers = heap()
const kubeIndex = new ClusterIndex()
const t0 = Date.now()
const informers = await startInformers({ kubeConfig: loadKubeConfig({ paths: join(dir, 'kubeconfig'), otherwise: 'in-cluster' }), sink: kubeIndex, log, backoffMaxMs: 5000 })
const syncMs = Date.now() - t0
const informerBytes = heap() - beforeInformers
await informers.stop()
await api.close()
await rm(dir, { recursive: true, force: true })

function apiVersionOf (kind: string): string {
  return ({ Deployment: 'apps/v1', ReplicaSet: 'apps/v1' } as Record<string, string>)[kind] ?? 'v1'
}

const result = {
  bench: 'query',
  edges: await map.edgeCount(),
  responseBytes: bytes,
  fullMap: { p50: pct(full, 50), p99: pct(full, 99) },
  referenceStringifyMs: pct(ref, 50),
  ratioToStringify: Number((pct(full, 50) / pct(ref, 50)).toFixed(2)),
  namespaceFilter: { p50: pct(ns, 50), p99: pct(ns, 99) },
  window90m: { p50: pct(windowed, 50), p99: pct(windowed, 99) },
  bytesPerEdge: Math.round(mapBytes / await map.edgeCount()),
  informers: { pods: 5000, services: 1000, objects: cluster.objects.length, syncMs, heapMB: Number((informerBytes / 1048576).toFixed(1)) }
}
console.log(`map of ${result.edges} edges (3 hourly buckets each), ${(bytes / 1048576).toFixed(1)} MiB of JSON`)
console.log(`GET /api/v1/map            p50 ${result.fullMap.p50} ms   p99 ${result.fullMap.p99} ms (${QUERIES} queries)`)
console.log(`reference: JSON.stringify of the same map in memory p50 ${result.referenceStringifyMs} ms; the full query takes ${result.ratioToStringify}x that`)
console.log(`GET /api/v1/map?namespace= p50 ${result.namespaceFilter.p50} ms   p99 ${result.namespaceFilter.p99} ms`)
console.log(`GET /api/v1/map?since=90m  p50 ${result.window90m.p50} ms   p99 ${result.window90m.p99} ms`)
console.log(`memory: ${result.bytesPerEdge} bytes per edge (heap)`)
console.log(`informers: ${result.informers.objects} objects (5,000 pods, 1,000 services) synced in ${syncMs} ms, ${result.informers.heapMB} MiB of heap (client-node caches + index)`)
console.log(JSON.stringify(result))
