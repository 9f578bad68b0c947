/**
 * A real Prometheus (Debian's, started by this test) scrapes the real mapper and the real sniffers
 * of the e2e stack (test/e2e/stack.ts: the real control plane, the chart installed with helm with
 * the edge series and the dashboard on, the shop's real traffic). Checked: promtool lints every
 * /metrics; PromQL through the HTTP API returns the shop's edges with their labels, agreeing with
 * /api/v1/map, and the counters; the dashboard the chart installed runs against it without error,
 * reads only metrics that exist, and its node graph queries return a nodes frame and an edges frame
 * whose sources and targets are nodes.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startStack, waitFor, type Stack } from '../e2e/stack.js'
import { makeShopCalls } from '../e2e/traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { labelValue } from '../../mapper/edge-series.js'
import { requirePrometheus, startPrometheus, type PrometheusServer, type Sample } from './prometheus-server.js'
import { lintMetrics } from './promtool.js'
import { dashboardQueries, exposedNames, loadDashboard, metricNames } from './dashboard.js'

const CLUSTER = 'e2e'
const MAX_SERIES = 5000
/** Queries over labelled counters that have no series until something goes wrong (nothing refused, dropped, unresolved). */
const MAY_BE_EMPTY = /podmap_mapper_unresolved_total|podmap_mapper_records_refused_total|podmap_sniffer_records_dropped_total/
/** External names no DNS server should give, reported as the sniffer would report them. */
const ODD = ['quote"back\\slash.example', 'new\nline.example', 'lone\ud800surrogate.example', 'ünïcødé-名前.example', '{brace}=,comma #hash.example']

let stack: Stack
let prom: PrometheusServer

const hostPort = (url: string): string => new URL(url).host
const key = (l: Record<string, string | undefined>): string => `${l.client_kind}/${l.client_namespace ?? ''}/${l.client_name} -> ${l.server_kind}/${l.server_namespace ?? ''}/${l.server_name} ${l.port}/${l.protocol}`

before(async () => {
  requirePrometheus()
  stack = await startStack({
    mapperArgs: ['--edge-metrics', '--edge-metrics-max-series', String(MAX_SERIES), '--cluster-name', CLUSTER],
    helmArgs: ['--set', 'metrics.edgeSeries.enabled=true', '--set', `metrics.edgeSeries.maxSeries=${MAX_SERIES}`, '--set', `store.clusterName=${CLUSTER}`, '--set', 'metrics.grafanaDashboard.enabled=true']
  })
  await makeShopCalls(stack.cluster, stack.shop)
  // Odd external names, reported for the checkout pod as its node's sniffer reports a DNS answer and a
  // session (a node may only report its own pods' calls: another node's are refused record by record).
  const checkoutPod = await stack.cluster.pod(stack.shop.checkout)
  const checkout = checkoutPod.ipv4
  const now = Date.now()
  const addr = (i: number): string => `203.0.113.${10 + i}`
  const res = await fetch(`${stack.mapperUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({
      version: 1, node: checkoutPod.nodeName, sentAt: now,
      dns: ODD.map((name, i) => ({ client: checkout, name, answers: [addr(i)], ttl: 30, firstSeen: now, lastSeen: now, count: 1 })),
      sockets: ODD.map((_n, i) => ({ client: checkout, server: addr(i), port: 443, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }))
    })
  })
  assert.equal(res.status, 200, await res.text())
  prom = await startPrometheus([
    { job: 'mapper', targets: [hostPort(stack.mapperUrl)] },
    { job: 'sniffer', targets: [...stack.snifferUrls.values()].map(hostPort) }
  ])
  await prom.waitForTargets(1 + stack.snifferUrls.size)
})

after(async () => {
  await prom?.stop()
  await stack?.stop()
})

async function shopEdges (): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map?namespace=shop,batch,db`)
  return mapResponseSchema.parse(await res.json()).edges
}

/** An instant query that must return something, retried until Prometheus has scraped what it needs. */
async function until (expr: string, ok: (r: Sample[]) => boolean = (r) => r.length > 0): Promise<Sample[]> {
  let last: Sample[] = []
  try {
    return await waitFor(expr, async () => { last = await prom.query(expr); return ok(last) ? last : undefined }, 30_000, 500)
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast result: ${JSON.stringify(last)}\nprometheus log:\n${prom.logs.slice(-10).join('\n')}`, { cause: err })
  }
}

test('the chart installed the mapper with the edge series and the cluster name it runs with here', async () => {
  const r = await stack.cluster.kubectl(['get', 'deployment', '-n', 'podmap', 'podmap-mapper', '-o', 'json'])
  assert.equal(r.code, 0, r.stderr)
  const dep = JSON.parse(r.stdout) as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string, value?: string }> }> } } } }
  const env = Object.fromEntries((dep.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]))
  assert.equal(env.PODMAP_EDGE_METRICS, 'true')
  assert.equal(env.PODMAP_EDGE_METRICS_MAX_SERIES, String(MAX_SERIES))
  assert.equal(env.PODMAP_CLUSTER_NAME, CLUSTER)
})

test('promtool check metrics: no problem on the mapper\'s /metrics nor on any sniffer\'s', async () => {
  await waitFor('the shop\'s edges in the map', async () => (await shopEdges()).length >= 3 ? true : undefined, 30_000, 500)
  for (const url of [stack.mapperUrl, ...stack.snifferUrls.values()]) {
    const text = await (await fetch(`${url}/metrics`)).text()
    assert.ok(text.length > 1000, url)
    assert.deepEqual(await lintMetrics(text), [], `promtool on ${url}/metrics`)
    if (url === stack.mapperUrl) assert.match(text, /^podmap_mapper_edge_observations\{/m)
  }
})

test('PromQL: the shop\'s edges with their workload labels, as /api/v1/map has them', async () => {
  const expected = [
    'CronJob/batch/nightly -> StatefulSet/db/ledger 5432/TCP',
    'Deployment/shop/checkout -> Deployment/shop/orders 8080/TCP',
    'Deployment/shop/checkout -> External//api.partner.example 443/TCP'
  ]
  const q = `podmap_mapper_edge_observations{cluster="${CLUSTER}", job="mapper", client_namespace=~"shop|batch", server_kind!="External"} or podmap_mapper_edge_observations{cluster="${CLUSTER}", job="mapper", client_namespace=~"shop|batch", server_name="api.partner.example"}`
  const series = await until(q, (r) => r.length >= expected.length)
  assert.deepEqual(series.map((s) => key(s.metric)).sort(), expected)
  for (const s of series) assert.ok(Number(s.value[1]) >= 1, `${key(s.metric)} = ${s.value[1]}`)
  // The same edges and ports as the map the mapper serves.
  const fromMap = (await shopEdges()).filter((e) => e.server.kind !== 'External' || e.server.name === 'api.partner.example')
    .flatMap((e) => e.ports.map((p) => key({ client_kind: e.client.kind, client_namespace: e.client.namespace, client_name: e.client.name, server_kind: e.server.kind, server_namespace: e.server.namespace, server_name: e.server.name, port: String(p.port), protocol: p.protocol })))
  assert.deepEqual(fromMap.sort(), expected)
})

test('PromQL: odd external names never become label values: ingest refuses names that are not hostnames, so the calls are series by their addresses', async () => {
  const series = await until(`podmap_mapper_edge_observations{job="mapper", client_name="checkout", server_kind="External", server_name!="api.partner.example"}`, (r) => r.length >= ODD.length)
  assert.deepEqual(series.map((s) => s.metric.server_name).sort(), ODD.map((_n, i) => `203.0.113.${10 + i}`).sort())
  // Label values made safe whatever the store holds: test/prometheus/exposition.test.ts puts odd names in the store itself.
})

test('PromQL: the counters say what the sniffers and the mapper did', async () => {
  const one = async (expr: string): Promise<number> => Number((await until(expr))[0]?.value[1])
  assert.ok(await one('sum(podmap_sniffer_dns_responses_total)') >= 3, 'DNS responses decoded')
  // A sniffer's counter is scraped at 0 until its first batch is acknowledged: wait for the scrape after it.
  const sent = await until('sum(podmap_sniffer_records_sent_total)', (r) => Number(r[0]?.value[1]) > 0)
  assert.ok(Number(sent[0]?.value[1]) > 0, 'records acknowledged')
  const ingested = await until('sum by (source) (podmap_mapper_records_ingested_total{job="mapper"})', (r) => r.length === 2)
  for (const s of ingested) assert.ok(Number(s.value[1]) > 0, `records ingested from ${s.metric.source}`)
  assert.ok(await one('podmap_mapper_edges{job="mapper"}') >= 3 + ODD.length)
  assert.equal(await one('podmap_mapper_informer_up{job="mapper", kind="Pod"}'), 1)
  assert.equal(await one('podmap_mapper_edge_series_over_cap{job="mapper"}'), 0)
  assert.equal(await one('count(up{job="sniffer"} == 1)'), stack.snifferUrls.size)
  // Every series the mapper exposes is a (client, server, port) the map holds.
  const all = await prom.query(`podmap_mapper_edge_observations{job="mapper"}`)
  const map = mapResponseSchema.parse(await (await fetch(`${stack.mapperUrl}/api/v1/map`)).json()).edges
  const inMap = new Set(map.flatMap((e) => e.ports.map((p) => key({ client_kind: e.client.kind, client_namespace: e.client.namespace, client_name: labelValue(e.client.name), server_kind: e.server.kind, server_namespace: e.server.namespace, server_name: labelValue(e.server.name), port: String(p.port), protocol: p.protocol }))))
  for (const s of all) assert.ok(inMap.has(key(s.metric)), `${key(s.metric)} is in /api/v1/map`)
})

async function installedDashboard (): Promise<ReturnType<typeof loadDashboard>> {
  const r = await stack.cluster.kubectl(['get', 'configmap', '-n', 'podmap', 'podmap-grafana-dashboard', '-o', 'json'])
  assert.equal(r.code, 0, r.stderr)
  const cm = JSON.parse(r.stdout) as { metadata: { labels: Record<string, string> }, data: Record<string, string> }
  assert.equal(cm.metadata.labels.grafana_dashboard, '1')
  return loadDashboard(cm.data['podmap.json'])
}

test('the installed dashboard: every query runs on Prometheus, reads metrics that exist, and the panels have data', async () => {
  const queries = dashboardQueries(await installedDashboard(), { cluster: '.*', datasource: 'prometheus' })
  const exposed = new Set<string>()
  for (const url of [stack.mapperUrl, ...stack.snifferUrls.values()]) for (const n of exposedNames(await (await fetch(`${url}/metrics`)).text())) exposed.add(n)
  const stored = new Set((await prom.query('count by (__name__) ({__name__=~"podmap_.+"})')).map((s) => s.metric.__name__))
  for (const q of queries) {
    for (const name of metricNames(q.expr)) {
      assert.ok(exposed.has(name), `panel "${q.panel}" reads ${name}, which no /metrics exposes`)
      // A labelled counter nothing has incremented is declared (# TYPE) but has no series yet.
      if (!MAY_BE_EMPTY.test(name)) assert.ok(stored.has(name), `panel "${q.panel}" reads ${name}, which Prometheus does not have`)
    }
    // A parse error or a bad function call is an error answer: query() throws it.
    const result = await until(q.expr, MAY_BE_EMPTY.test(q.expr) ? () => true : undefined)
    assert.ok(Array.isArray(result), `${q.panel} ${q.refId}`)
  }
})

test('the node graph: a nodes frame and an edges frame, every edge between two nodes, the shop among them', async () => {
  const queries = dashboardQueries(await installedDashboard(), { cluster: CLUSTER, datasource: 'prometheus' }).filter((q) => q.type === 'nodegraph')
  const expr = (ref: string): string => queries.find((q) => q.refId === ref)?.expr ?? ''
  const nodes = await until(expr('nodes'))
  const edges = await until(expr('edges'))
  const ids = nodes.map((n) => n.metric.id ?? '')
  assert.equal(new Set(ids).size, ids.length, 'node ids are unique')
  assert.equal(new Set(edges.map((e) => e.metric.id)).size, edges.length, 'edge ids are unique')
  for (const n of nodes) {
    assert.deepEqual(Object.keys(n.metric).sort(), ['id', 'subtitle', 'title'], 'a node carries id, title and subtitle only')
    assert.ok(Number(n.value[1]) > 0)
  }
  for (const e of edges) {
    assert.ok(ids.includes(e.metric.source ?? ''), `edge source ${e.metric.source} is a node`)
    assert.ok(ids.includes(e.metric.target ?? ''), `edge target ${e.metric.target} is a node`)
  }
  const pairs = edges.map((e) => `${e.metric.source} -> ${e.metric.target}`)
  for (const p of [`${CLUSTER}/Deployment/shop/checkout -> ${CLUSTER}/Deployment/shop/orders`, `${CLUSTER}/CronJob/batch/nightly -> ${CLUSTER}/StatefulSet/db/ledger`, `${CLUSTER}/Deployment/shop/checkout -> ${CLUSTER}/External//api.partner.example`]) {
    assert.ok(pairs.includes(p), `${p} in ${pairs.join('; ')}`)
  }
  const orders = nodes.find((n) => n.metric.id === `${CLUSTER}/Deployment/shop/orders`)
  assert.deepEqual(orders?.metric, { id: `${CLUSTER}/Deployment/shop/orders`, title: 'orders', subtitle: 'Deployment shop' })
})
