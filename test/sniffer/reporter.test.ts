import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Collector } from '../../sniffer/collector.js'
import { createReporter } from '../../sniffer/reporter.js'
import { fixedToken } from '../../sniffer/bearer-token.js'
import { SentLedger } from '../../sniffer/sent-ledger.js'
import { createSnifferMetrics, createSnifferRegistry } from '../../sniffer/metrics.js'
import { createLogger } from '../../src/log/logger.js'
import { reportSchema, type Report } from '../../src/contract/report.js'

const log = createLogger({ level: 'silent', component: 'sniffer' })

async function fakeMapper (statuses: number[]) {
  const received: Report[] = []
  const auth: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      auth.push(req.headers.authorization ?? '')
      const status = statuses.shift() ?? 200
      if (status === 200) received.push(reportSchema.parse(JSON.parse(body)))
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received, auth, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

function setup (url: string, maxPendingRecords = 1000) {
  const registry = createSnifferRegistry()
  const metrics = createSnifferMetrics(registry)
  const collector = new Collector(100, (reason, n) => metrics.recordsDropped.inc({ reason }, n))
  // Refresh interval 0: every observation goes out in the next report (delta reporting is tested in sent-ledger.test.ts).
  const ledger = new SentLedger({ refreshMs: 0, maxKeys: 1000, onForget: () => {} })
  const reporter = createReporter({ mapperUrl: url, token: fixedToken('tok'), nodeName: 'node-a', intervalMs: 60_000, maxPendingRecords, collector, ledger, metrics, log })
  return { registry, metrics, collector, reporter }
}

const value = async (registry: ReturnType<typeof createSnifferRegistry>, name: string, labels: Record<string, string> = {}) => {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name)
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))
  return v?.value ?? 0
}

test('the collector dedupes by key with count and first/last seen, and counts what overflows', () => {
  const dropped: number[] = []
  const c = new Collector(2, (_r, n) => dropped.push(n))
  c.addDns({ client: '10.0.0.1', name: 'a.example', answers: ['1.2.3.4'], ttl: 30, at: 1000 })
  c.addDns({ client: '10.0.0.1', name: 'a.example', answers: ['1.2.3.4'], ttl: 10, at: 2000 })
  c.addSession({ client: '10.0.0.1', server: '10.0.0.2', port: 80, protocol: 'TCP' }, 1500)
  c.addSession({ client: '10.0.0.1', server: '10.0.0.3', port: 80, protocol: 'TCP' }, 1500)
  const batch = c.drain()
  assert.deepEqual(batch.dns, [{ client: '10.0.0.1', name: 'a.example', answers: ['1.2.3.4'], ttl: 10, firstSeen: 1000, lastSeen: 2000, count: 2 }])
  assert.equal(batch.sockets.length, 1)
  assert.deepEqual(dropped, [1])
  assert.equal(c.size, 0)
})

test('a failed send keeps its batch and the retry delivers it, with the bearer token', async () => {
  const mapper = await fakeMapper([503])
  const { collector, reporter, registry } = setup(mapper.url)
  collector.addSession({ client: '10.0.0.1', server: '10.0.0.2', port: 80, protocol: 'TCP' }, 1000)
  await reporter.flush()
  assert.equal(mapper.received.length, 0)
  assert.equal(reporter.pendingRecords(), 1)
  collector.addSession({ client: '10.0.0.1', server: '10.0.0.9', port: 443, protocol: 'TCP' }, 2000)
  await reporter.flush()
  assert.equal(mapper.received.length, 2)
  assert.deepEqual(mapper.received.map((r) => r.sockets.map((s) => s.port)), [[80], [443]])
  assert.deepEqual(mapper.auth, ['Bearer tok', 'Bearer tok', 'Bearer tok'])
  assert.equal(reporter.pendingRecords(), 0)
  assert.equal(await value(registry, 'podmap_sniffer_records_sent_total'), 2)
  await mapper.close()
})

test('an unreachable mapper fills the bounded retry buffer and every overflow is counted', async () => {
  const { collector, reporter, registry } = setup('http://127.0.0.1:9', 3)
  for (let i = 0; i < 5; i++) {
    collector.addSession({ client: '10.0.0.1', server: `10.0.1.${i}`, port: 80, protocol: 'TCP' }, 1000)
    await reporter.flush()
  }
  assert.equal(reporter.pendingRecords(), 3)
  assert.equal(await value(registry, 'podmap_sniffer_records_dropped_total', { reason: 'retry-buffer-full' }), 2)
})

test('a batch the mapper refuses as invalid is dropped and counted, not retried forever', async () => {
  const mapper = await fakeMapper([400])
  const { collector, reporter, registry } = setup(mapper.url)
  collector.addSession({ client: '10.0.0.1', server: '10.0.0.2', port: 80, protocol: 'TCP' }, 1000)
  await reporter.flush()
  assert.equal(reporter.pendingRecords(), 0)
  assert.equal(await value(registry, 'podmap_sniffer_records_dropped_total', { reason: 'rejected' }), 1)
  await mapper.close()
})
