/**
 * `npm run bench:edge-series`: what a scrape of the mapper's /metrics costs with --edge-metrics, for
 * 10,000 and 100,000 edges (BENCH_SIZES), each with one server port and three hourly buckets, the
 * mapper built as main.ts builds it and served on loopback. Per size: GET /metrics p50/p99 (and its
 * bytes) next to two references measured in the same run on the same map — iterating
 * the store's portCounts() alone (the store's share) and GET /api/v1/map (serving the same map as
 * JSON) —, the same scrape when the cap (default 10,000) leaves most of the map out, and what a real
 * Prometheus (Debian's, started here) reports as its own scrape_duration_seconds for that target at
 * its second scrape (the first also creates the series).
 * Ends with one JSON line.
 */
import { get, pct } from './lib/http-get.js'
import { createLogger } from '../src/log/logger.js'
import { DEFAULT_TIME_BOUNDS } from '../mapper/resolve/ingest.js'
import { createMapper } from '../mapper/create-mapper.js'
import type { Call } from '../mapper/store/call.js'
import { startPrometheus } from '../test/prometheus/prometheus-server.js'
import { waitFor } from '../test/e2e/stack.js'

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number)
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 10)
const DEFAULT_CAP = 10_000

async function times (n: number, url: string): Promise<{ p50: number, p99: number, bytes: number }> {
  const ms: number[] = []
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const r = await get(url)
    if (r.status !== 200) throw new Error(`${url}: status ${r.status}`)
    ms.push(r.ms)
    bytes = r.bytes
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), bytes }
}

const log = createLogger({ level: 'warn', component: 'mapper' })

async function mapperWith (edges: number, maxSeries: number) {
  const m = await createMapper({
    log, token: 'x', clusterDomain: 'cluster.local', excludeNamespaces: [], times: DEFAULT_TIME_BOUNDS,
    requestTimeoutMs: 60_000, bodyLimit: 1 << 20, edgeSeries: { maxSeries, cluster: 'bench' }
  })
  const now = Date.now()
  const calls: Call[] = []
  const workloads = Math.ceil(Math.sqrt(edges)) + 1
  // One identity object per workload, as the resolver hands them out.
  const clients = Array.from({ length: workloads }, (_v, c) => ({ kind: 'Deployment', namespace: `ns-${c % 50}`, name: `client-${c}` }))
  const servers = Array.from({ length: workloads }, (_v, s) => ({ kind: 'Deployment', namespace: `ns-${s % 50}`, name: `server-${s}`, service: `server-${s}` }))
  for (let i = 0; i < edges; i++) {
    const c = i % workloads
    const s = Math.floor(i / workloads)
    for (let h = 0; h < 3; h++) {
      calls.push({
        client: clients[c] as Call['client'],
        server: servers[s] as Call['server'],
        port: { port: 8080, protocol: 'TCP' },
        evidence: h === 0 ? 'dns' : 'tcp',
        first: now - h * 3_600_000,
        last: now - h * 3_600_000,
        count: 1
      })
    }
    if (calls.length >= 30_000) await m.map.record(calls.splice(0))
  }
  await m.map.record(calls.splice(0))
  const base = await m.app.listen({ host: '127.0.0.1', port: 0 })
  return { ...m, base }
}

const rows = []
for (const edges of SIZES) {
  const all = await mapperWith(edges, edges * 2)
  const scrape = await times(SCRAPES, `${all.base}/metrics`)
  const mapJson = await times(Math.min(SCRAPES, 5), `${all.base}/api/v1/map`)
  const storeMs: number[] = []
  for (let i = 0; i < SCRAPES; i++) {
    const t = process.hrtime.bigint()
    let n = 0
    for (const pc of await all.map.portCounts()) n += pc.count
    if (n === 0) throw new Error('empty store')
    storeMs.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  // A real Prometheus scraping it: its own measure of the scrape, and the samples it took.
  const prom = await startPrometheus([{ job: 'mapper', targets: [new URL(all.base).host] }], '15s')
  let promScrape = { seconds: NaN, samples: NaN }
  try {
    await prom.waitForTargets(1, 120_000)
    // The first scrape also creates every series in Prometheus' head; the second is the steady
    // state. (The target turns up before a large scrape's samples are committed: wait for them.)
    const d = await waitFor('a second scrape committed', async () => {
      const r = await prom.query('scrape_duration_seconds{job="mapper"} and count_over_time(scrape_duration_seconds{job="mapper"}[5m]) >= 2')
      return r.length > 0 ? r : undefined
    }, 120_000, 1000)
    const s = await prom.query('scrape_samples_scraped{job="mapper"}')
    promScrape = { seconds: Number(Number(d[0]?.value[1]).toFixed(3)), samples: Number(s[0]?.value[1]) }
  } finally { await prom.stop() }
  await all.app.close()

  let capped = { p50: NaN, p99: NaN, bytes: NaN }
  if (edges > DEFAULT_CAP) {
    const m = await mapperWith(edges, DEFAULT_CAP)
    capped = await times(SCRAPES, `${m.base}/metrics`)
    await m.app.close()
  }
  const row = {
    edges,
    series: edges,
    scrape,
    storeIterationMs: pct(storeMs, 50),
    mapJson,
    ratioToMapJson: Number((scrape.p50 / mapJson.p50).toFixed(2)),
    ratioToStoreIteration: Number((scrape.p50 / pct(storeMs, 50)).toFixed(1)),
    cappedAtDefault: capped,
    prometheus: promScrape
  }
  rows.push(row)
  console.log(`${edges} edges (${edges} series): GET /metrics p50 ${scrape.p50} ms p99 ${scrape.p99} ms, ${(scrape.bytes / 1048576).toFixed(1)} MiB`)
  console.log(`  references: portCounts() alone p50 ${row.storeIterationMs} ms; GET /api/v1/map p50 ${mapJson.p50} ms (${(mapJson.bytes / 1048576).toFixed(1)} MiB): the scrape takes ${row.ratioToMapJson}x the map query`)
  if (edges > DEFAULT_CAP) console.log(`  capped at ${DEFAULT_CAP}: GET /metrics p50 ${capped.p50} ms p99 ${capped.p99} ms, ${(capped.bytes / 1048576).toFixed(1)} MiB`)
  console.log(`  a real Prometheus (its second scrape, 15 s interval): scrape_duration_seconds ${promScrape.seconds}, ${promScrape.samples} samples`)
}
console.log(JSON.stringify({ bench: 'edge-series', scrapes: SCRAPES, rows }))
process.exit(0)
