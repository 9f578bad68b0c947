/**
 * Faults with real processes on the real control plane's cluster (test/e2e/stack.ts: the sniffers
 * are the chart's DaemonSet pods, reaching the mapper through its Service):
 * - the mapper stopped while traffic flows: the sniffers keep capturing, hold what they saw (memory
 *   bounded, nothing dropped below their bound), and deliver all of it once the mapper is back;
 * - a sniffer pod deleted right after traffic (the node agent SIGTERMs it, as a kubelet does): its
 *   last batch (a report interval of 60 s, so only the shutdown flush can send it) reaches the mapper.
 * The outage lasts 10 s in the default run and 60 s in the soak (PODMAP_SOAK=1). A real cluster's
 * map also holds its own calls: assertions are on the shop's namespaces.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startStack, waitFor, type Stack } from '../e2e/stack.js'
import { runClient } from '../e2e/traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { metricValue, scrape } from './prom-text.js'
import { SOAK, fmt, recordFigure } from './figures.js'

const OUTAGE_MS = SOAK ? 60_000 : 10_000
const SHOP_NS = 'shop,batch,db'

async function edges (stack: Stack): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map?namespace=${SHOP_NS}`, { signal: AbortSignal.timeout(3000) })
  return mapResponseSchema.parse(await res.json()).edges
}
const names = (es: Edge[]): string[] => es.map((e) => `${e.client.name}>${e.server.name}`).sort()

/** Every node's sniffer metrics, summed per metric by `metricValue` over the concatenated texts. */
async function scrapeAll (stack: Stack): Promise<string> {
  return (await Promise.all([...stack.snifferUrls.values()].map(async (u) => await scrape(u)))).join('\n')
}
const perNodeMax = async (stack: Stack, name: string): Promise<number> =>
  Math.max(...await Promise.all([...stack.snifferUrls.values()].map(async (u) => metricValue(await scrape(u), name))))

test(`mapper unreachable for ${OUTAGE_MS / 1000} s: the sniffers keep capturing, stay bounded, and deliver everything after`, async () => {
  const stack = await startStack()
  try {
    const { checkout, nightly } = stack.shop
    const before = await scrapeAll(stack)
    const sentBefore = metricValue(before, 'podmap_sniffer_records_sent_total')
    const packetsBefore = metricValue(before, 'podmap_sniffer_packets_total')
    const rssBefore = await perNodeMax(stack, 'podmap_sniffer_process_resident_memory_bytes')

    // The mapper goes away (SIGKILL: no goodbye), traffic keeps flowing for the whole outage.
    const mapperPid = stack.mapper.pid
    await new Promise<void>((resolve) => { stack.mapper.once('exit', () => resolve()); stack.mapper.kill('SIGKILL') })
    const started = Date.now()
    let rounds = 0
    let rssMax = rssBefore
    let pendingMax = 0
    const calls = [
      { pod: checkout, host: 'orders.shop.svc.cluster.local', port: 80 },
      { pod: nightly, host: 'ledger.db.svc.cluster.local', port: 5432 },
      { pod: checkout, host: 'api.partner.example', port: 443 }
    ]
    while (Date.now() - started < OUTAGE_MS && rounds < 1000) {
      await Promise.all(calls.map(async (c) => await runClient(stack.cluster, { ...c, holdMs: 1200 })))
      rounds++
      rssMax = Math.max(rssMax, await perNodeMax(stack, 'podmap_sniffer_process_resident_memory_bytes'))
      pendingMax = Math.max(pendingMax, metricValue(await scrapeAll(stack), 'podmap_sniffer_pending_records'))
    }
    const during = await scrapeAll(stack)
    const failedSends = metricValue(during, 'podmap_sniffer_reports_total', { outcome: 'retry' })
    assert.ok(metricValue(during, 'podmap_sniffer_packets_total') > packetsBefore, 'the sniffers kept capturing')
    assert.ok(failedSends > 0, 'sends failed while the mapper was down')
    assert.ok(pendingMax > 0, 'records were held for retry')
    assert.equal(metricValue(during, 'podmap_sniffer_records_dropped_total'), 0)
    assert.ok(rssMax - rssBefore < 64 * 1024 * 1024, `sniffer RSS grew ${rssMax - rssBefore} bytes`)

    await stack.restartMapper()
    assert.notEqual(stack.mapper.pid, mapperPid)
    const expected = ['checkout>api.partner.example', 'checkout>orders', 'nightly>ledger']
    // The reporters back off exponentially (capped at 60 s) while the mapper is down.
    await waitFor('every call made during the outage in the map', async () => {
      const got = names(await edges(stack))
      return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined
    }, 90_000, 500)
    const after = await waitFor('the retry buffers drained', async () => {
      const m = await scrapeAll(stack)
      return metricValue(m, 'podmap_sniffer_pending_records') === 0 ? m : undefined
    }, 30_000, 500)
    const sent = metricValue(after, 'podmap_sniffer_records_sent_total') - sentBefore
    const dropped = metricValue(after, 'podmap_sniffer_records_dropped_total')
    assert.equal(dropped, 0)
    assert.ok(sent >= pendingMax, `acknowledged after the outage (${sent}) covers what was held (${pendingMax})`)
    recordFigure({
      area: 'faults',
      test: `mapper unreachable for ${OUTAGE_MS / 1000} s (SIGKILL), sniffers keep capturing`,
      figure: `${rounds * calls.length} calls during the outage, ${fmt(failedSends)} failed sends, up to ${fmt(pendingMax)} records held; after restart ${fmt(sent)} records acknowledged, 0 dropped, all ${expected.length} edges present; sniffer RSS +${((rssMax - rssBefore) / 1048576).toFixed(1)} MB (max ${(rssMax / 1048576).toFixed(0)} MB)`,
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-outage.test.ts'
    })
  } finally {
    await stack.stop()
  }
})

/** The container logs of every sniffer pod that has existed on the cluster's nodes, by pod folder. */
function snifferPodLogs (stack: Stack): Map<string, string> {
  const out = new Map<string, string>()
  for (const n of stack.cluster.nodes) {
    const pods = join(stack.cluster.run.dir, 'nodes', n.name, 'pods')
    for (const d of readdirSync(pods).filter((x) => x.startsWith('podmap_podmap-sniffer-'))) {
      out.set(d, readdirSync(join(pods, d, 'sniffer')).map((f) => readFileSync(join(pods, d, 'sniffer', f), 'utf8')).join(''))
    }
  }
  return out
}

test('a sniffer pod deleted right after traffic: its last batch arrives', async () => {
  const stack = await startStack({ sniffer: { reportInterval: '60s' } })
  try {
    // Fresh sniffers, so none has reached its first 60 s report yet.
    const first = new Set(snifferPodLogs(stack).keys())
    await stack.restartSniffer()
    assert.deepEqual(await edges(stack), [])
    await runClient(stack.cluster, { pod: stack.shop.nightly, host: 'ledger.db.svc.cluster.local', port: 5432, holdMs: 1500 })
    assert.equal(metricValue(await scrapeAll(stack), 'podmap_sniffer_records_sent_total'), 0, 'nothing was sent on the 60 s interval yet')
    const deleted = [...snifferPodLogs(stack).keys()].filter((d) => !first.has(d))
    assert.equal(deleted.length, stack.cluster.nodes.length, `one fresh sniffer pod a node: ${deleted.join(', ')}`)
    const r = await stack.cluster.kubectl(['delete', 'pod', '-n', 'podmap', '-l', 'app.kubernetes.io/component=sniffer', '--wait=true', '--timeout=60s'])
    assert.equal(r.code, 0, r.stderr)
    const got = await waitFor('the flushed call in the map', async () => {
      const es = await edges(stack)
      return es.length > 0 ? es : undefined
    }, 15_000, 250)
    assert.deepEqual(names(got), ['nightly>ledger'])
    assert.deepEqual([...(got[0]?.evidence ?? [])].sort(), ['dns', 'tcp'])
    // Each deleted sniffer shut down in order: every step done, none failed.
    for (const [pod, text] of snifferPodLogs(stack)) {
      if (!deleted.includes(pod)) continue
      assert.match(text, /"msg":"shutting down"/, pod)
      assert.doesNotMatch(text, /shutdown step failed/, pod)
    }
    recordFigure({
      area: 'faults',
      test: 'graceful shutdown: a deleted sniffer pod flushes its last batch',
      figure: 'report interval 60 s, the sniffer pods deleted right after one call: each shut down in order, the edge (DNS + TCP evidence) is in the map; 0 records lost',
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-outage.test.ts'
    })
  } finally {
    await stack.stop()
  }
})
