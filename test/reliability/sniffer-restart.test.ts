/**
 * Sniffer restart with real processes on the real control plane's cluster (test/e2e/stack.ts: the
 * sniffers are the chart's DaemonSet pods, one a node), while long-held connections stay open: the
 * sniffer pods are deleted (the node agent SIGTERMs them, they flush their last batch) and the
 * DaemonSet makes new ones.
 *
 * What the edge model allows: an edge's count is the number of observations. A /proc scan that sees
 * an open session is one observation per session key (client, server, port) on the node scanned: a
 * connection through a ClusterIP Service has one key on the client's node (the client's socket names
 * the Service IP:80) and one on the server's (the server's socket names the pod IP:8080), both on one
 * node when it hosts both pods; one to a headless Service's pod has the same key on both nodes (one
 * when they are the same node); one to the outside has one key, on the client's node. A DNS response
 * is one observation of the name. A restarted sniffer re-observes the sessions that are still open:
 * those are new observations and add to the count, at most one per scan per session key. What a
 * restart must NOT change: the edge set (no new edge), each edge's ports, evidence and addresses;
 * and it must not replay old observations (DNS counts stay exactly as they were: nobody looked a
 * name up again).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { startStack, waitFor, type Stack } from '../e2e/stack.js'
import { nodeCommand, PROGRAM } from '../testbed/cluster/manifests.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { metricValue, scrape } from './prom-text.js'
import { edgeName, readStateCounts, type EdgeCounts } from './state-counts.js'
import { fmt, recordFigure } from './figures.js'

const SCAN_MS = 500 // the stack's sniffer.scanInterval
const HOLD_MS = 150_000 // far longer than the test: the connections stay open across the restart
const EXPECTED = ['checkout>api.partner.example', 'checkout>orders', 'nightly>ledger']

async function edges (stack: Stack): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map?namespace=shop,batch,db`, { signal: AbortSignal.timeout(3000) })
  return mapResponseSchema.parse(await res.json()).edges.sort((a, b) => edgeName(a).localeCompare(edgeName(b)))
}

/** What a restart must not change: every edge without its timestamps. */
const shape = (es: Edge[]): unknown[] => es.map(({ firstSeen: _f, lastSeen: _l, ...rest }) => rest)

/** Scans made so far by each node's running sniffer. */
async function scans (stack: Stack): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const [node, url] of stack.snifferUrls) out.set(node, metricValue(await scrape(url), 'podmap_sniffer_scan_duration_seconds_count'))
  return out
}
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)

test('sniffer pods restarted while connections stay open: same edges, ports, evidence; counts grow only by re-observation', async () => {
  const stack = await startStack()
  const clients: ChildProcess[] = []
  try {
    const c = stack.cluster
    const hold = async (pod: string, host: string, port: number): Promise<void> => {
      const child = await c.spawn(pod, nodeCommand(PROGRAM.client, '--host', host, '--port', String(port), '--hold', String(HOLD_MS)))
      child.stdout?.resume(); child.stderr?.resume()
      clients.push(child)
    }
    await hold(stack.shop.checkout, 'orders.shop.svc.cluster.local', 80)
    await hold(stack.shop.nightly, 'ledger.db.svc.cluster.local', 5432)
    await hold(stack.shop.checkout, 'api.partner.example', 443)
    // Session keys each node's scan sees for each held connection (see above).
    const [checkout, orders, nightly, ledger] = await Promise.all([stack.shop.checkout, stack.shop.orders, stack.shop.nightly, stack.shop.ledger].map(async (k) => (await c.pod(k)).nodeName))
    const keysOn = (name: string, node: string): number => name === 'checkout>orders'
      ? Number(node === checkout) + Number(node === orders)
      : name === 'nightly>ledger' ? Number(node === nightly || node === ledger) : Number(node === checkout)
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

    // The restart: the sniffer pods deleted (each flushes its last batch), the DaemonSet's new ones.
    // The old sniffers scan until the node agent's SIGTERM, within the delete's time.
    const oldScansEnd = await scans(stack)
    const deleteStarted = Date.now()
    const r = await c.kubectl(['delete', 'pod', '-n', 'podmap', '-l', 'app.kubernetes.io/component=sniffer', '--wait=true', '--timeout=60s'])
    assert.equal(r.code, 0, r.stderr)
    const oldExtraScans = Math.ceil((Date.now() - deleteStarted) / SCAN_MS) + 1
    // The new sniffers have scanned and reported a few times.
    await waitFor('the new sniffers to report', async () => {
      for (const url of stack.snifferUrls.values()) {
        const m = await scrape(url)
        if (metricValue(m, 'podmap_sniffer_records_sent_total') === 0 || metricValue(m, 'podmap_sniffer_scan_duration_seconds_count') < 8) return undefined
      }
      return true
    }, 60_000, 250)
    for (const child of clients) assert.equal(child.exitCode, null, 'the held connections are still open')
    const newScansBefore = await scans(stack)
    const after = await edges(stack)
    assert.deepEqual(shape(after), shape(before), 'a restart changes no edge, port, evidence or address')
    for (let i = 0; i < after.length; i++) assert.ok(after[i]!.lastSeen >= before[i]!.lastSeen)
    const countsB = await readStateCounts(join(stack.dir, 'state'))
    const newScansAfter = await scans(stack)

    // Every TCP facet (one held connection each) gains at most one observation per session key per
    // scan made after the baseline, node by node: the old sniffer's scans since (read before the
    // delete, plus one a scan interval the delete took and its shutdown scan, plus up to 3 scanned
    // before the baseline but not yet in the map), and the new sniffer's up to the read (plus one
    // racing it). At least the new sniffers' scans up to the read, less the ones not yet reported,
    // are in. Counting any report twice would roughly double the delta and cross the upper bound.
    const SLACK_OLD = 3 + oldExtraScans
    const SLACK_NEW = 1
    const UNREPORTED = 4
    const deltas: string[] = []
    let tcpDelta = 0
    let dnsDelta = 0
    let window = 0
    for (const name of EXPECTED) {
      const a = countsA.get(name) as EdgeCounts
      const b = countsB.get(name) as EdgeCounts
      assert.ok(a && b, `${name} has counts before and after`)
      assert.deepEqual(Object.keys(b.facets).sort(), Object.keys(a.facets).sort(), `${name}: no new facet (evidence x port)`)
      let most = 0
      let least = 0
      for (const node of stack.snifferUrls.keys()) {
        const k = keysOn(name, node)
        const inWindow = ((oldScansEnd.get(node) ?? 0) - (scansA.get(node) ?? 0) + SLACK_OLD) + ((newScansAfter.get(node) ?? 0) + SLACK_NEW)
        most += k * inWindow
        least += k * Math.max(0, (newScansBefore.get(node) ?? 0) - UNREPORTED)
        window = Math.max(window, inWindow)
      }
      for (const [facet, n] of Object.entries(b.facets)) {
        const d = n - (a.facets[facet] ?? 0)
        if (facet.startsWith('dns|')) {
          assert.equal(d, 0, `${name} ${facet}: no DNS observation replayed by the restart`)
          dnsDelta += d
        } else {
          assert.ok(d >= least, `${name} ${facet}: the new sniffers re-observed the open session in their scans (delta ${d}, at least ${least})`)
          assert.ok(d <= most, `${name} ${facet}: delta ${d} exceeds the session keys x scans that could observe it (${most})`)
          tcpDelta += d
        }
      }
      deltas.push(`${name} ${fmt(a.total)} -> ${fmt(b.total)}`)
    }
    const tcpFacets = EXPECTED.reduce((n, name) => n + Object.keys((countsB.get(name) as EdgeCounts).facets).filter((f) => !f.startsWith('dns|')).length, 0)
    recordFigure({
      area: 'faults',
      test: 'sniffer pods restarted (deleted, the DaemonSet makes new ones) while 3 connections stay open',
      figure: `edges, ports, evidence and addresses identical before and after (${before.length} edges, no new one); counts ${deltas.join(', ')}: DNS +${dnsDelta} (nothing replayed), TCP +${fmt(tcpDelta)} over ${tcpFacets} session facets, all re-observations: each facet <= session keys x scans in the window, node by node (old ${sum(oldScansEnd) - sum(scansA)} + new ${sum(newScansAfter)} scans on ${stack.snifferUrls.size} nodes, up to ${window} a node with slack)`,
      faults: 1,
      lost: 0,
      file: 'test/reliability/sniffer-restart.test.ts'
    })
  } finally {
    for (const child of clients) if (child.exitCode === null) child.kill('SIGTERM')
    await stack.stop()
  }
})
