/**
 * Faults with real processes on the network-namespace cluster:
 * - the mapper stopped while traffic flows: the sniffer keeps capturing, holds what it saw (memory
 *   bounded, nothing dropped below its bound), and delivers all of it once the mapper is back;
 * - SIGTERM to the sniffer right after traffic: its last batch (a report interval of 60 s, so only
 *   the shutdown flush can send it) reaches the mapper.
 * The outage lasts 10 s in the default run and 60 s in the soak (PODMAP_SOAK=1).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { shopScenario } from '../testbed/scenarios.js'
import { startStack, waitFor, type Stack } from '../e2e/fake-api-stack.js'
import { runClient, startServer } from '../e2e/fake-api-traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { metricValue, scrape } from './prom-text.js'
import { SOAK, fmt, recordFigure } from './figures.js'

const CHECKOUT = 'shop/checkout-7d9f8c6b5d-x2x7k'
const ORDERS = 'shop/orders-5c4f7b9d8e-k8w2p'
const NIGHTLY = 'batch/nightly-28000000-7qv4n'
const LEDGER = 'db/ledger-0'
const OUTAGE_MS = SOAK ? 60_000 : 10_000

async function edges (stack: Stack): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map`, { signal: AbortSignal.timeout(3000) })
  return mapResponseSchema.parse(await res.json()).edges
}
const names = (es: Edge[]): string[] => es.map((e) => `${e.client.name}>${e.server.name}`).sort()

test(`mapper unreachable for ${OUTAGE_MS / 1000} s: the sniffer keeps capturing, stays bounded, and delivers everything after`, async () => {
  const stack = await startStack(shopScenario)
  try {
    await startServer(stack.tb, ORDERS, [8080])
    await startServer(stack.tb, LEDGER, [5432])
    const before = await scrape(stack.snifferUrl)
    const sentBefore = metricValue(before, 'podmap_sniffer_records_sent_total')
    const packetsBefore = metricValue(before, 'podmap_sniffer_packets_total')
    const rssBefore = metricValue(before, 'podmap_sniffer_process_resident_memory_bytes')

    // The mapper goes away (SIGKILL: no goodbye), traffic keeps flowing for the whole outage.
    const mapperPid = stack.mapper.pid
    await new Promise<void>((resolve) => { stack.mapper.once('exit', () => resolve()); stack.mapper.kill('SIGKILL') })
    const started = Date.now()
    let rounds = 0
    let rssMax = rssBefore
    let pendingMax = 0
    const calls = [
      { pod: CHECKOUT, host: 'orders.shop.svc.cluster.local', port: 80 },
      { pod: NIGHTLY, host: 'ledger.db.svc.cluster.local', port: 5432 },
      { pod: CHECKOUT, host: 'api.partner.example', port: 443 }
    ]
    while (Date.now() - started < OUTAGE_MS && rounds < 1000) {
      await Promise.all(calls.map((c) => runClient(stack.tb, { ...c, holdMs: 1200 })))
      rounds++
      const m = await scrape(stack.snifferUrl)
      rssMax = Math.max(rssMax, metricValue(m, 'podmap_sniffer_process_resident_memory_bytes'))
      pendingMax = Math.max(pendingMax, metricValue(m, 'podmap_sniffer_pending_records'))
    }
    const during = await scrape(stack.snifferUrl)
    const failedSends = metricValue(during, 'podmap_sniffer_reports_total', { outcome: 'retry' })
    assert.ok(metricValue(during, 'podmap_sniffer_packets_total') > packetsBefore, 'the sniffer kept capturing')
    assert.ok(failedSends > 0, 'sends failed while the mapper was down')
    assert.ok(pendingMax > 0, 'records were held for retry')
    assert.equal(metricValue(during, 'podmap_sniffer_records_dropped_total'), 0)
    assert.ok(rssMax - rssBefore < 64 * 1024 * 1024, `sniffer RSS grew ${rssMax - rssBefore} bytes`)

    await stack.restartMapper()
    assert.notEqual(stack.mapper.pid, mapperPid)
    const expected = ['checkout>api.partner.example', 'checkout>orders', 'nightly>ledger']
    // The reporter backs off exponentially (capped at 60 s) while the mapper is down.
    await waitFor('every call made during the outage in the map', async () => {
      const got = names(await edges(stack))
      return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined
    }, 90_000, 500)
    const after = await waitFor('the retry buffer drained', async () => {
      const m = await scrape(stack.snifferUrl)
      return metricValue(m, 'podmap_sniffer_pending_records') === 0 ? m : undefined
    }, 30_000, 500)
    const sent = metricValue(after, 'podmap_sniffer_records_sent_total') - sentBefore
    const dropped = metricValue(after, 'podmap_sniffer_records_dropped_total')
    assert.equal(dropped, 0)
    assert.ok(sent >= pendingMax, `acknowledged after the outage (${sent}) covers what was held (${pendingMax})`)
    recordFigure({
      area: 'faults',
      test: `mapper unreachable for ${OUTAGE_MS / 1000} s (SIGKILL), sniffer keeps capturing`,
      figure: `${rounds * calls.length} calls during the outage, ${fmt(failedSends)} failed sends, up to ${fmt(pendingMax)} records held; after restart ${fmt(sent)} records acknowledged, 0 dropped, all ${expected.length} edges present; sniffer RSS +${((rssMax - rssBefore) / 1048576).toFixed(1)} MB (max ${(rssMax / 1048576).toFixed(0)} MB)`,
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-outage.test.ts'
    })
  } finally {
    await stack.stop()
  }
})

test('SIGTERM right after traffic: the sniffer\'s last batch arrives', async () => {
  const stack = await startStack(shopScenario, { snifferArgs: ['--report-interval', '60s'] })
  try {
    await startServer(stack.tb, LEDGER, [5432])
    assert.deepEqual(await edges(stack), [])
    await runClient(stack.tb, { pod: NIGHTLY, host: 'ledger.db.svc.cluster.local', port: 5432, holdMs: 1500 })
    const m = await scrape(stack.snifferUrl)
    assert.equal(metricValue(m, 'podmap_sniffer_records_sent_total'), 0, 'nothing was sent on the 60 s interval yet')
    const exit = new Promise<number | null>((resolve) => stack.sniffer.once('exit', (code) => resolve(code)))
    stack.sniffer.kill('SIGTERM')
    const code = await exit
    assert.equal(code, 0, stack.logs.sniffer.slice(-10).join('\n'))
    const got = names(await edges(stack))
    assert.deepEqual(got, ['nightly>ledger'])
    const e = (await edges(stack))[0]!
    assert.deepEqual([...e.evidence].sort(), ['dns', 'tcp'])
    recordFigure({
      area: 'faults',
      test: 'graceful shutdown: SIGTERM flushes the sniffer\'s last batch',
      figure: 'report interval 60 s, SIGTERM right after one call: exit 0, the edge (DNS + TCP evidence) is in the map; 0 records lost',
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-outage.test.ts'
    })
  } finally {
    await stack.stop()
  }
})
