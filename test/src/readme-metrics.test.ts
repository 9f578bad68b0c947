/** The README stays true: every metric the sniffer and the mapper export is listed there. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Registry } from 'prom-client'
import { createSnifferMetrics, createSnifferRegistry } from '../../sniffer/metrics.js'
import { createMapperMetrics } from '../../mapper/metrics.js'
import { createEdgeSeries } from '../../mapper/edge-series.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

const components = {
  sniffer: async () => { const r = createSnifferRegistry(); createSnifferMetrics(r); return await r.getMetricsAsJSON() },
  mapper: async () => {
    const r = new Registry()
    createMapperMetrics(r)
    const edges = await createEdgeSeries({ registry: r, portCounts: () => [], maxSeries: 1, cluster: '' }).render()
    return [...(await r.getMetricsAsJSON()), ...[...edges.matchAll(/^# TYPE (\S+)/gm)].map((m) => ({ name: m[1] ?? '' }))]
  }
}

for (const [component, collect] of Object.entries(components)) {
  test(`README lists every ${component} metric`, async () => {
    // Process metrics (podmap_<component>_process_*, _nodejs_*) are covered by one sentence.
    const names = (await collect()).map((m) => m.name).filter((n) => !/_(process|nodejs)_/.test(n))
    assert.ok(names.length > 5)
    const missing = names.filter((n) => !readme.includes(n))
    assert.deepEqual(missing, [], `metrics missing from README.md: ${missing.join(', ')}`)
  })
}
