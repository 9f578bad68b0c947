import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Counter, Gauge, Histogram, Registry, collectProcessMetrics } from '../../../src/metrics/lean-registry.js'

test('renders counters, gauges and labels in the text exposition format', async () => {
  const r = new Registry()
  const plain = new Counter({ name: 'x_total', help: 'plain\nwith a \\ newline', registers: [r] })
  const byReason = new Counter({ name: 'y_total', help: 'by reason', labelNames: ['reason'] as const, registers: [r] })
  const g = new Gauge({ name: 'g', help: 'gauge', labelNames: ['protocol'] as const, registers: [r] })
  plain.inc()
  plain.inc(2.5)
  byReason.inc({ reason: 'a"b\\c\nd' }, 3)
  byReason.inc({ reason: 'short' })
  g.set({ protocol: 'TCP' }, 7)
  g.set({ protocol: 'TCP' }, 5)
  assert.equal(await r.metrics(), [
    '# HELP x_total plain\\nwith a \\\\ newline',
    '# TYPE x_total counter',
    'x_total 3.5',
    '# HELP y_total by reason',
    '# TYPE y_total counter',
    'y_total{reason="a\\"b\\\\c\\nd"} 3',
    'y_total{reason="short"} 1',
    '# HELP g gauge',
    '# TYPE g gauge',
    'g{protocol="TCP"} 5',
    ''
  ].join('\n'))
  assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8')
})

test('histogram buckets are cumulative, with +Inf, _sum and _count', async () => {
  const r = new Registry()
  const h = new Histogram({ name: 'd_seconds', help: 'duration', buckets: [1, 0.1], registers: [r] })
  h.observe(0.05)
  h.observe(0.5)
  h.observe(5)
  const lines = (await r.metrics()).split('\n').filter((l) => l.startsWith('d_seconds'))
  assert.deepEqual(lines, [
    'd_seconds_bucket{le="0.1"} 1',
    'd_seconds_bucket{le="1"} 2',
    'd_seconds_bucket{le="+Inf"} 3',
    'd_seconds_sum 5.55',
    'd_seconds_count 3'
  ])
  assert.equal((await h.get()).values.find((v) => v.metricName === 'd_seconds_count')?.value, 3)
})

test('refuses what prom-client refuses: negative increments, unknown labels, a name twice, a bad name', () => {
  const r = new Registry()
  const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['reason'] as const, registers: [r] })
  assert.throws(() => c.inc({ reason: 'x' }, -1), /cannot be increased by -1/)
  assert.throws(() => c.inc({ other: 'x' } as never), /has no label "other"/)
  assert.throws(() => new Counter({ name: 'c_total', help: 'again', registers: [r] }), /already registered/)
  assert.throws(() => new Gauge({ name: 'bad-name', help: 'x' }), /invalid metric name/)
})

test('process metrics are read when scraped', async () => {
  const r = new Registry()
  collectProcessMetrics(r, 'p_')
  const burn = Date.now() + 30
  while (Date.now() < burn) { /* spend some CPU so the counter moves */ }
  const text = await r.metrics()
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
  assert.ok(value('p_process_resident_memory_bytes') > 10 * 1024 * 1024)
  assert.ok(value('p_process_cpu_seconds_total') > 0)
  assert.ok(value('p_process_open_fds') > 0)
  // The process started uptime seconds ago.
  assert.ok(Math.abs(value('p_process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 2)
  assert.ok(value('p_nodejs_heap_size_used_bytes') > 0)
})
