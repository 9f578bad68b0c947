/** The README stays true: every metric the sniffer and the mapper export is listed there. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Registry } from 'prom-client'
import { createSnifferMetrics } from '../../sniffer/metrics.js'
import { createMapperMetrics } from '../../mapper/metrics.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

for (const [component, create] of Object.entries({ sniffer: createSnifferMetrics, mapper: createMapperMetrics })) {
  test(`README lists every ${component} metric`, async () => {
    const registry = new Registry()
    create(registry)
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name)
    assert.ok(names.length > 5)
    const missing = names.filter((n) => !readme.includes(n))
    assert.deepEqual(missing, [], `metrics missing from README.md: ${missing.join(', ')}`)
  })
}
