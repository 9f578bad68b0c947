/**
 * Delta reporting end to end (issue #12): the sniffer's collector, ledger and reporter posting to
 * the real mapper app over HTTP. A key goes out when new, then once per refresh interval; when the
 * mapper restarts (a new process on the same address: a new instance id in its acks), the sniffer
 * sends what is current again, and the new mapper's map is whole; a restarted sniffer sends
 * everything current at once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { Collector } from '../../sniffer/collector.js'
import { createReporter } from '../../sniffer/reporter.js'
import { fixedToken } from '../../sniffer/bearer-token.js'
import { SentLedger } from '../../sniffer/sent-ledger.js'
import { createSnifferMetrics, createSnifferRegistry } from '../../sniffer/metrics.js'
import { createLogger } from '../../src/log/logger.js'
import { buildTestApp, TEST_TOKEN } from '../mapper/test-app.js'
import { IP } from '../mapper/fixtures.js'

const log = createLogger({ level: 'silent', component: 'sniffer' })

async function mapperOn (port = 0) {
  const m = await buildTestApp()
  await m.app.listen({ host: '127.0.0.1', port })
  return { ...m, port: (m.app.server.address() as AddressInfo).port }
}

function sniffer (url: string) {
  const registry = createSnifferRegistry()
  const metrics = createSnifferMetrics(registry)
  const collector = new Collector(1000, () => {})
  const ledger = new SentLedger({ refreshMs: 60_000, maxKeys: 1000, onForget: () => {}, onDefer: (n) => metrics.recordsDeferred.inc(n) })
  const reporter = createReporter({ mapperUrl: url, token: fixedToken(TEST_TOKEN), nodeName: 'node-a', intervalMs: 60_000, maxPendingRecords: 1000, collector, ledger, metrics, log })
  const value = async (name: string): Promise<number> => (await registry.getMetricsAsJSON()).find((x) => x.name === name)?.values[0]?.value ?? 0
  return { collector, reporter, value }
}

const edgeNames = async (m: Awaited<ReturnType<typeof mapperOn>>): Promise<string[]> => {
  const res = await m.app.inject('/api/v1/map')
  return (res.json() as { edges: Array<{ client: { name: string }, server: { name: string }, evidence: string[] }> }).edges
    .map((e) => `${e.client.name}>${e.server.name}:${e.evidence.join('+')}`).sort()
}

test('first report, refresh, mapper restart and sniffer restart against the real mapper app', async () => {
  const first = await mapperOn()
  let second: Awaited<ReturnType<typeof mapperOn>> | undefined
  try {
  const url = `http://127.0.0.1:${first.port}`
  const s = sniffer(url)
  const session = { client: IP.checkout, server: IP.orders, port: 8080, protocol: 'TCP' as const }
  let now = Date.now()
  s.collector.addSession(session, now)
  s.collector.addDns({ client: IP.checkout, name: 'api.partner.example', answers: [IP.partner], ttl: 30, at: now })
  await s.reporter.report()
  assert.equal(await s.value('podmap_sniffer_records_sent_total'), 2, 'first report: both records')
  assert.deepEqual(await edgeNames(first), ['checkout>api.partner.example:dns', 'checkout>orders:tcp'])

  // Observed again within the refresh interval: folded, not sent.
  for (let i = 0; i < 3; i++) { now += 1000; s.collector.addSession(session, now); await s.reporter.report() }
  assert.equal(await s.value('podmap_sniffer_records_sent_total'), 2)
  assert.equal(await s.value('podmap_sniffer_records_deferred_total'), 3)

  // The mapper restarts on the same address with an empty map (no --state-dir).
  await first.app.close()
  second = await mapperOn(first.port)
    assert.deepEqual(await edgeNames(second), [])
    // The next report that reaches it (a new call) shows the new instance id...
    s.collector.addSession({ client: IP.job, server: IP.ledger0, port: 5432, protocol: 'TCP' }, now)
    await s.reporter.report()
    assert.equal(await s.value('podmap_sniffer_mapper_restarts_total'), 1)
    // ...and the one after it carries everything current: the folded session (count 3) and the DNS answer restated (count 0).
    await s.reporter.report()
    assert.deepEqual(await edgeNames(second), ['checkout>api.partner.example:dns', 'checkout>orders:tcp', 'nightly>ledger:tcp'])
    const map = (await second.app.inject('/api/v1/map')).json() as { edges: Array<{ server: { name: string }, lastSeen: string }> }
    assert.equal(map.edges.find((e) => e.server.name === 'orders')?.lastSeen, new Date(now).toISOString(), 'the folded observations carry their last seen')

    // A restarted sniffer knows nothing was sent: what it observes goes out at once.
    const restarted = sniffer(url)
    restarted.collector.addSession(session, now + 500)
    await restarted.reporter.report()
    assert.equal(await restarted.value('podmap_sniffer_records_sent_total'), 1)
  } finally {
    await first.app.close()
    await second?.app.close()
  }
})
