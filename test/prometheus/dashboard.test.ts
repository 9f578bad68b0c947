/**
 * The Grafana dashboard, checked without a server: every query parses (promtool check rules, with
 * each query as a recording rule), every metric it reads is one the mapper (with --edge-metrics) or
 * the sniffer defines, and the node graph has the two frames Grafana's Node Graph panel needs.
 * test/prometheus/prometheus-e2e.test.ts runs the same queries against a real Prometheus.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { Registry } from 'prom-client'
import { createMapperMetrics } from '../../mapper/metrics.js'
import { createEdgeSeries } from '../../mapper/edge-series.js'
import { createSnifferMetrics, createSnifferRegistry } from '../../sniffer/metrics.js'
import { dashboardQueries, exposedNames, loadDashboard, metricNames, type DashboardQuery } from './dashboard.js'
import { promtool } from './promtool.js'

const dir = mkdtempSync('/tmp/podmap-dashboard-')
after(() => { rmSync(dir, { recursive: true, force: true }) })

const dashboard = loadDashboard()
const queries = dashboardQueries(dashboard, { cluster: '.*', datasource: 'prometheus' })

async function checkRules (name: string, qs: Array<Pick<DashboardQuery, 'expr'>>): Promise<{ code: number, output: string }> {
  const file = join(dir, `${name}.yml`)
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: qs.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })) }] }))
  const res = await promtool(['check', 'rules', file])
  return { code: res.code, output: res.stdout + res.stderr }
}

test('every dashboard query parses (promtool check rules)', async () => {
  assert.ok(queries.length >= 12, `${queries.length} queries`)
  const res = await checkRules('dashboard', queries)
  assert.equal(res.code, 0, res.output)
  assert.match(res.output, new RegExp(`SUCCESS: ${queries.length} rules found`))
})

test('the parse check can fail: promtool refuses a broken query', async () => {
  const res = await checkRules('broken', [{ expr: 'sum by (reason (rate(podmap_mapper_unresolved_total[1m]))' }])
  assert.notEqual(res.code, 0, res.output)
})

test('every metric the dashboard reads is one the mapper or the sniffer defines', async () => {
  const mapper = new Registry()
  createMapperMetrics(mapper)
  const edges = await createEdgeSeries({ registry: mapper, portCounts: () => [], maxSeries: 1, cluster: '' }).render()
  const sniffer = createSnifferRegistry()
  createSnifferMetrics(sniffer)
  const defined = new Set([...(await mapper.getMetricsAsJSON()), ...(await sniffer.getMetricsAsJSON())].map((m) => m.name))
  for (const name of exposedNames(edges)) defined.add(name)
  const used = new Set(queries.flatMap((q) => metricNames(q.expr)))
  // The reader itself is checked against what the panels are about, so it cannot pass by reading nothing.
  for (const name of ['podmap_mapper_edge_observations', 'podmap_sniffer_pcap_dropped_total', 'podmap_sniffer_records_dropped_total', 'podmap_mapper_unresolved_total', 'podmap_mapper_records_ingested_total', 'podmap_mapper_informer_up', 'podmap_mapper_held_records']) {
    assert.ok(used.has(name), `the dashboard reads ${name}`)
  }
  const unknown = [...used].filter((n) => !defined.has(n))
  assert.deepEqual(unknown, [], `metrics the dashboard reads that nothing defines: ${unknown.join(', ')}`)
  assert.deepEqual(metricNames('sum by (reason) (rate(podmap_x_total{a="b(c)"}[5m])) or vector(0)'), ['podmap_x_total'])
})

test('the node graph panel asks for a nodes frame and an edges frame, as instant tables', () => {
  const ng = queries.filter((q) => q.type === 'nodegraph')
  assert.deepEqual(ng.map((q) => q.refId).sort(), ['edges', 'nodes'])
  for (const q of ng) assert.equal(q.instant, true, q.refId)
  const node = ng.find((q) => q.refId === 'nodes')?.expr ?? ''
  const edge = ng.find((q) => q.refId === 'edges')?.expr ?? ''
  assert.match(node, /sum by \(id, title, subtitle\)/)
  for (const label of ['"id"', '"source"', '"target"']) assert.ok(edge.includes(label), `edges query makes ${label}`)
})

test('every panel reads the dashboard\'s Prometheus data-source variable', () => {
  const ds = dashboard.templating.list.find((v) => v.type === 'datasource')
  assert.equal(ds?.name, 'datasource')
  const panels = (dashboard as unknown as { panels: Array<{ title: string, datasource?: { uid?: string } }> }).panels
  for (const p of panels) assert.equal(p.datasource?.uid, '${datasource}', p.title)
})
