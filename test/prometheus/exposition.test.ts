/**
 * The edge series' exposition as the real Prometheus and promtool read it, with label values no
 * cluster should have but DNS names and annotations can carry (quotes, backslashes, newlines, a lone
 * surrogate, non-ASCII, 300 characters) and a cap smaller than the map: the mapper's own code
 * (EdgeStore, createEdgeSeries, the prom-client registry) served on 127.0.0.1 and scraped.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { Registry } from 'prom-client'
import { EdgeStore } from '../../mapper/store/edge-store.js'
import { labelValue, createEdgeSeries, MAX_LABEL_CHARS } from '../../mapper/edge-series.js'
import { startPrometheus, type PrometheusServer } from './prometheus-server.js'
import { lintMetrics } from './promtool.js'

const T = Date.now()
const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
const ODD = ['quote"back\\slash.example', 'new\nline.example', 'lone\ud800surrogate.example', 'ünïcødé-名前.example', '{brace}=,comma #hash.example', `${'x'.repeat(300)}.example`, `${'x'.repeat(300)}.other`]
const CAP = ODD.length + 1
const EXTRA = 4

const store = new EdgeStore()
const registry = new Registry()
let server: Server
let prom: PrometheusServer
let url = ''

before(async () => {
  ODD.forEach((name, i) => store.add({ client: checkout, server: { kind: 'External', name }, port: { port: 443, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: i + 1 }, 0))
  // Over the cap: CAP series fit, EXTRA more are counted.
  for (let i = 0; i < 1 + EXTRA; i++) store.add({ client: checkout, server: { kind: 'External', name: `late-${i}.example` }, port: { port: 443, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: 1 }, 0)
  const edges = createEdgeSeries({ registry, portCounts: () => store.portCounts(), maxSeries: CAP, cluster: 'odd "cluster"' })
  // As the mapper's /metrics: the edge family first (it sets the over-cap gauge), after the registry's text.
  const scrape = async (): Promise<string> => { const e = await edges.render(); return (await registry.metrics()) + e }
  server = createServer((_req, res) => {
    scrape().then((text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(text) }, (err: Error) => { res.writeHead(500); res.end(err.message) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  url = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  prom = await startPrometheus([{ job: 'edges', targets: [url] }])
})

after(async () => {
  await prom?.stop()
  await new Promise((resolve) => server?.close(resolve))
})

test('promtool check metrics finds nothing to say about the odd labels', async () => {
  const text = await (await fetch(`http://${url}/metrics`)).text()
  assert.deepEqual(await lintMetrics(text), [])
})

test('Prometheus scrapes it and stores exactly the safe label values; the cap overflow is counted', async () => {
  await prom.waitForTargets(1)
  const series = await prom.query('podmap_mapper_edge_observations{job="edges"}')
  const names = series.map((s) => s.metric.server_name ?? '').sort()
  const expected = [...ODD.map(labelValue), 'late-0.example'].sort()
  assert.deepEqual(names, expected)
  assert.ok(names.includes('quote"back\\slash.example'))
  assert.ok(names.includes('new\ufffdline.example'))
  assert.ok(names.includes('lone\ufffdsurrogate.example'))
  assert.ok(names.includes('ünïcødé-名前.example'))
  for (const n of names) assert.ok([...n].length <= MAX_LABEL_CHARS)
  for (const s of series) assert.equal(s.metric.cluster, 'odd "cluster"')
  const byName = new Map(series.map((s) => [s.metric.server_name, Number(s.value[1])]))
  ODD.forEach((name, i) => assert.equal(byName.get(labelValue(name)), i + 1, name))
  const over = await prom.query('podmap_mapper_edge_series_over_cap{job="edges"}')
  assert.equal(over.length, 1)
  assert.equal(Number(over[0]?.value[1]), EXTRA)
  // The whole scrape was taken: no sample refused as a duplicate or out of order.
  const scraped = await prom.query('scrape_samples_scraped{job="edges"}')
  assert.equal(Number(scraped[0]?.value[1]), CAP + 1)
})
