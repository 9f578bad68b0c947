/**
 * Sniffer restart with real processes on the network-namespace cluster, while long-held connections
 * stay open.
 *
 * What the edge model allows: an edge's count is the number of observations. A /proc scan that sees
 * an open session is one observation per session key (client, server, port): a connection through a
 * ClusterIP Service has two keys on a node that hosts both pods (the client's socket names the
 * Service IP:80, the server's the pod IP:8080), one to a headless Service's pod or to the outside
 * has one; a DNS response is one observation of the name. A restarted sniffer re-observes the sessions that are still open: those
 * are new observations and add to the count, at most one per scan per session. What a restart must
 * NOT change: the edge set (no new edge), each edge's ports, evidence and addresses; and it must not
 * replay old observations (DNS counts stay exactly as they were: nobody looked a name up again).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { shopScenario } from '../testbed/scenarios.js'
import { PROGRAMS } from '../testbed/testbed.js'
import { startStack, waitFor, type Stack } from '../e2e/fake-api-stack.js'
import { startServer } from '../e2e/fake-api-traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { metricValue, scrape } from './prom-text.js'
import { edgeName, readStateCounts, type EdgeCounts } from './state-counts.js'
import { fmt, recordFigure } from './figures.js'

const CHECKOUT = 'shop/checkout-7d9f8c6b5d-x2x7k'
const ORDERS = 'shop/orders-5c4f7b9d8e-k8w2p'
const NIGHTLY = 'batch/nightly-28000000-7qv4n'
const LEDGER = 'db/ledger-0'
const HOLD_MS = 90_000 // far longer than the test: the connections stay open across the restart
const EXPECTED = ['checkout>api.partner.example', 'checkout>orders', 'nightly>ledger']
/** Session keys a node scan sees for each held connection (see above). */
const KEYS: Record<string, number> = { 'checkout>api.partner.example': 1, 'checkout>orders': 2, 'nightly>ledger': 1 }

async function edges (stack: Stack): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map`, { signal: AbortSignal.timeout(3000) })
  return mapResponseSchema.parse(await res.json()).edges.sort((a, b) => edgeName(a).localeCompare(edgeName(b)))
}

/** What a restart must not change: every edge without its timestamps. */
const shape = (es: Edge[]): unknown[] => es.map(({ firstSeen: _f, lastSeen: _l, ...rest }) => rest)

const scans = async (stack: Stack): Promise<number> => metricValue(await scrape(stack.snifferUrl), 'podmap_sniffer_scan_duration_seconds_count')

async function sigtermSniffer (stack: Stack): Promise<number | null> {
  const exit = new Promise<number | null>((resolve) => stack.sniffer.once('exit', (code) => resolve(code)))
  stack.sniffer.kill('SIGTERM')
  return exit
}

test('sniffer restarted while connections stay open: same edges, ports, evidence; counts grow only by re-observation', async () => {
  const stack = await startStack(shopScenario)
  const clients: ChildProcess[] = []
  try {
    await startServer(stack.tb, ORDERS, [8080])
    await startServer(stack.tb, LEDGER, [5432])
    const hold = (pod: string, host: string, port: number): void => {
      const c = stack.tb.spawn(pod, [process.execPath, PROGRAMS.client, '--host', host, '--port', String(port), '--hold', String(HOLD_MS)])
      c.stdout?.resume(); c.stderr?.resume()
      clients.push(c)
    }
    hold(CHECKOUT, 'orders.shop.svc.cluster.local', 80)
    hold(NIGHTLY, 'ledger.db.svc.cluster.local', 5432)
    hold(CHECKOUT, 'api.partner.example', 443)
    await waitFor('the three held connections in the map with DNS and TCP evidence', async () => {
      const es = await edges(stack)
      const ok = JSON.stringify(es.map(edgeName)) === JSON.stringify(EXPECTED) && es.every((e) => e.evidence.includes('dns') && e.evidence.includes('tcp'))
      return ok ? es : undefined
    }, 30_000, 300)
    // Two more report intervals, so every DNS response of the lookups is in the map.
    await new Promise((resolve) => setTimeout(resolve, 2500))

    const scansA = await scans(stack)
    const before = await edges(stack)
    const countsA = await readStateCounts(join(stack.dir, 'state'))
    const sentA = metricValue(await scrape(stack.snifferUrl), 'podmap_sniffer_records_sent_total')
    assert.ok(sentA > 0)

    // The restart: SIGTERM (the old sniffer flushes its last batch), a new sniffer the same way.
    const oldScansEnd = await scans(stack)
    const oldPid = stack.sniffer.pid
    await stack.restartSniffer()
    assert.notEqual(stack.sniffer.pid, oldPid)
    assert.equal(stack.sniffer.exitCode, null)
    // The new sniffer has scanned and reported a few times.
    await waitFor('the new sniffer to report', async () => {
      const m = await scrape(stack.snifferUrl)
      return metricValue(m, 'podmap_sniffer_records_sent_total') > 0 && metricValue(m, 'podmap_sniffer_scan_duration_seconds_count') >= 8 ? true : undefined
    }, 30_000, 250)
    for (const c of clients) assert.equal(c.exitCode, null, 'the held connections are still open')
    const after = await edges(stack)
    assert.deepEqual(shape(after), shape(before), 'a restart changes no edge, port, evidence or address')
    for (let i = 0; i < after.length; i++) assert.ok(after[i]!.lastSeen >= before[i]!.lastSeen)

    // End the new sniffer too (it flushes), so every observation it made is counted.
    const newScansEnd = await scans(stack)
    assert.equal(await sigtermSniffer(stack), 0)
    const final = await edges(stack)
    assert.deepEqual(shape(final), shape(before))
    const countsB = await readStateCounts(join(stack.dir, 'state'))

    // Every TCP facet (one held connection each) gains at most one observation per session key per
    // scan made after the baseline: the old sniffer's scans since (plus up to 3 scanned before the
    // baseline but not yet in the map, one racing the SIGTERM, and its shutdown scan), and the new
    // sniffer's (plus one racing the SIGTERM and its shutdown scan). Counting any report twice would
    // roughly double the delta (the new sniffer alone makes >= 8 scans) and cross this bound.
    const SLACK_OLD = 5
    const SLACK_NEW = 2
    const scansInWindow = (oldScansEnd - scansA + SLACK_OLD) + (newScansEnd + SLACK_NEW)
    const deltas: string[] = []
    let tcpDelta = 0
    let dnsDelta = 0
    for (const name of EXPECTED) {
      const a = countsA.get(name) as EdgeCounts
      const b = countsB.get(name) as EdgeCounts
      assert.ok(a && b, `${name} has counts before and after`)
      assert.deepEqual(Object.keys(b.facets).sort(), Object.keys(a.facets).sort(), `${name}: no new facet (evidence x port)`)
      for (const [facet, n] of Object.entries(b.facets)) {
        const d = n - (a.facets[facet] ?? 0)
        if (facet.startsWith('dns|')) {
          assert.equal(d, 0, `${name} ${facet}: no DNS observation replayed by the restart`)
          dnsDelta += d
        } else {
          const keys = KEYS[name] ?? 1
          assert.ok(d >= keys * (newScansEnd - 2), `${name} ${facet}: the new sniffer re-observed the open session in its scans (delta ${d}, ${newScansEnd} scans)`)
          assert.ok(d <= keys * scansInWindow, `${name} ${facet}: delta ${d} exceeds ${keys} session key(s) x ${scansInWindow} scans that could observe it`)
          tcpDelta += d
        }
      }
      deltas.push(`${name} ${fmt(a.total)} -> ${fmt(b.total)} (${KEYS[name]} session key${KEYS[name] === 1 ? '' : 's'})`)
    }
    const tcpFacets = EXPECTED.reduce((n, name) => n + Object.keys((countsB.get(name) as EdgeCounts).facets).filter((f) => !f.startsWith('dns|')).length, 0)
    recordFigure({
      area: 'faults',
      test: 'sniffer restart (SIGTERM + new process) while 3 connections stay open',
      figure: `edges, ports, evidence and addresses identical before and after (${before.length} edges, no new one); counts ${deltas.join(', ')}: DNS +${dnsDelta} (nothing replayed), TCP +${fmt(tcpDelta)} over ${tcpFacets} session facets, all re-observations: each facet <= keys x ${scansInWindow} scans in the window (old ${oldScansEnd - scansA} + new ${newScansEnd} + ${SLACK_OLD + SLACK_NEW} slack)`,
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-restart.test.ts'
    })
  } finally {
    for (const c of clients) if (c.exitCode === null) c.kill('SIGTERM')
    await stack.stop()
  }
})
