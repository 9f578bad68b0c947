/**
 * The chart's Prometheus and Grafana values: the edge series and the cluster name reach the real
 * mapper's option parser as set, and the Grafana dashboard ships as a ConfigMap carrying the
 * sidecar's label and exactly dashboards/podmap.json.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CHART, TEST_REGISTRY_VALUES, helm, only, render, type KubeDoc } from './helm-cli.js'
import { container } from './pod-types.js'
import { loadConfig } from '../../src/config/options.js'
import { mapperOptions } from '../../mapper/config.js'

const DASHBOARD = JSON.parse(readFileSync(join(CHART, 'dashboards', 'podmap.json'), 'utf8')) as unknown

/** The mapper's configuration as the chart's Deployment sets it (environment only, as in the pod). */
function mapperConfig (docs: KubeDoc[]) {
  const c = container(only(docs, 'Deployment'), 'mapper')
  const env: NodeJS.ProcessEnv = {}
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value
  return loadConfig(mapperOptions, c.args?.slice(1) ?? [], env)
}

type ConfigMap = KubeDoc & { data: Record<string, string> }

test('defaults: no edge series, the mapper\'s default cluster name, no dashboard ConfigMap', async () => {
  const docs = await render()
  const config = mapperConfig(docs)
  assert.equal(config.edgeMetrics, false)
  assert.equal(config.edgeMetricsMaxSeries, 10_000)
  assert.equal(config.clusterName, 'default')
  assert.equal(docs.some((d) => d.kind === 'ConfigMap'), false)
})

test('edge series on: the mapper gets --edge-metrics, its cap and the cluster name', async () => {
  const config = mapperConfig(await render(['--set', 'metrics.edgeSeries.enabled=true,metrics.edgeSeries.maxSeries=2500,store.clusterName=prod-eu-1']))
  assert.equal(config.edgeMetrics, true)
  assert.equal(config.edgeMetricsMaxSeries, 2500)
  assert.equal(config.clusterName, 'prod-eu-1')
})

test('dashboard on: a ConfigMap with the sidecar label holds dashboards/podmap.json as it is', async () => {
  const docs = await render(['--set', 'metrics.grafanaDashboard.enabled=true'])
  const cm = only(docs, 'ConfigMap', 'podmap-grafana-dashboard') as ConfigMap
  assert.equal(cm.metadata.namespace, 'podmap')
  assert.equal(cm.metadata.labels?.grafana_dashboard, '1')
  assert.equal(cm.metadata.labels?.['app.kubernetes.io/part-of'], 'podmap')
  assert.deepEqual(Object.keys(cm.data), ['podmap.json'])
  assert.deepEqual(JSON.parse(cm.data['podmap.json'] ?? ''), DASHBOARD)
})

test('dashboard: label, value, namespace and annotations follow the values (another Grafana, a folder)', async () => {
  const docs = await render(['--set', 'metrics.grafanaDashboard.enabled=true,metrics.grafanaDashboard.label=example.com/dashboard,metrics.grafanaDashboard.labelValue=podmap,metrics.grafanaDashboard.namespace=monitoring,metrics.grafanaDashboard.annotations.grafana_folder=Network'])
  const cm = only(docs, 'ConfigMap') as ConfigMap
  assert.equal(cm.metadata.namespace, 'monitoring')
  assert.equal(cm.metadata.labels?.['example.com/dashboard'], 'podmap')
  assert.equal(cm.metadata.labels?.grafana_dashboard, undefined)
  assert.deepEqual(cm.metadata.annotations, { grafana_folder: 'Network' })
})

for (const [set, where] of [
  ['metrics.edgeSeries.maxSeries=0', '/metrics/edgeSeries/maxSeries'],
  ['metrics.grafanaDashboard.label=not a label', '/metrics/grafanaDashboard/label'],
  ['metrics.grafanaDashboard.labelValue=-1', '/metrics/grafanaDashboard/labelValue']
] as const) {
  test(`the schema rejects ${set}`, async () => {
    const res = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, '--set', set])
    assert.notEqual(res.code, 0, `helm accepted ${set}`)
    assert.ok(res.stderr.includes(`'${where}'`), res.stderr)
  })
}
