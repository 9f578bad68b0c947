/**
 * Graceful shutdown, mapper: SIGTERM to the real mapper (with --state-dir) after some reports. It
 * exits 0 having written the whole map to the checkpoint (map.ndjson) and rotated the write-ahead log
 * to a new, empty generation; a restart loads the same map from the checkpoint alone (0 log entries
 * replayed).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startShopCluster, type ShopAddresses, type ShopCluster } from './shop-cluster.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { startMapperProcess, type MapperProcess } from './mapper-process.js'
import { edgeName, readStateCounts } from './state-counts.js'
import { recordFigure } from './figures.js'

const REPORTS = 40

let shop: ShopCluster
let IP: ShopAddresses
let mapper: MapperProcess

before(async () => {
  shop = await startShopCluster()
  IP = shop.ip
  mapper = await startMapperProcess(shop, ['--log-level', 'info', '--report-rate', '0', '--state-dir', '{dir}/state'])
})

after(async () => {
  await mapper?.cleanup()
  await shop?.stop()
})

/**
 * Reports i: checkout -> orders (via its Service) and the Job -> ledger, plus one external name, each
 * from the node its client pod runs on (a node reports only its own pods; the scheduler may put the
 * Job's pod on either node).
 */
function reports (i: number) {
  const now = Date.now()
  const ext = `198.18.0.${i + 1}`
  const checkout = {
    dns: [{ client: IP.checkout, name: `ext-${i}.example`, answers: [ext], ttl: 30, firstSeen: now, lastSeen: now, count: 1 }],
    sockets: [
      { client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 2 },
      { client: IP.checkout, server: ext, port: 443, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }
    ]
  }
  const job = { dns: [], sockets: [{ client: IP.job, server: IP.ledger0, port: 5432, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }
  return [{ version: 1, node: IP.nodeName, sentAt: now, ...checkout }, { version: 1, node: IP.jobNodeName, sentAt: now, ...job }]
}

async function mapEdges (): Promise<Edge[]> {
  const res = await fetch(`${mapper.url}/api/v1/map`, { signal: AbortSignal.timeout(5000) })
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges.sort((a, b) => edgeName(a).localeCompare(edgeName(b)))
}

const wals = (dir: string): string[] => readdirSync(dir).filter((f) => /^wal-\d+\.log$/.test(f)).sort()

test('SIGTERM to the mapper: exit 0, the checkpoint holds the whole map, the log is rotated empty, a restart gives the same map', async () => {
  const stateDir = join(mapper.dir, 'state')
  for (let i = 0; i < REPORTS; i++) {
    for (const body of reports(i)) {
      const res = await fetch(`${mapper.url}/api/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mapper.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
      assert.equal(res.status, 200, await res.text())
    }
  }
  const before = await mapEdges()
  const names = before.map(edgeName)
  assert.ok(names.includes('checkout>orders') && names.includes('nightly>ledger'), names.join(', '))
  assert.equal(before.length, 2 + REPORTS, 'one edge per external name, plus the two in-cluster ones')
  const walBefore = wals(stateDir)
  const walBytesBefore = walBefore.reduce((a, f) => a + statSync(join(stateDir, f)).size, 0)
  assert.ok(walBytesBefore > 0, 'the reports went to the write-ahead log')

  const child = mapper.child
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await mapper.stop('SIGTERM')
  assert.equal(await exited, 0, mapper.logs.slice(-10).join('\n'))

  // The checkpoint: every edge, with its count.
  const checkpointPath = join(stateDir, 'map.ndjson')
  assert.ok(existsSync(checkpointPath), 'map.ndjson written')
  assert.equal(existsSync(`${checkpointPath}.tmp`), false, 'no half-written checkpoint left')
  // A header line, then one line per edge (and per pin and held report).
  const [header, ...lines] = readFileSync(checkpointPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  const cp = {
    walGeneration: (header as { walGeneration: number }).walGeneration,
    edges: lines.filter((l) => l.k === 'edge').map((l) => l.e as { c: { name: string }, s: { name: string }, n: number })
  }
  assert.deepEqual(cp.edges.map((e) => `${e.c.name}>${e.s.name}`).sort(), [...names].sort())
  const cpCount = (name: string): number | undefined => cp.edges.find((e) => `${e.c.name}>${e.s.name}` === name)?.n
  assert.equal(cpCount('checkout>orders'), 2 * REPORTS, 'checkout>orders: 2 per report')
  assert.equal(cpCount('nightly>ledger'), REPORTS)
  // The log: rotated to the checkpoint's generation, and empty (everything is in the checkpoint).
  const walAfter = wals(stateDir)
  assert.deepEqual(walAfter, [`wal-${String(cp.walGeneration).padStart(8, '0')}.log`], `log files after shutdown: ${walAfter.join(', ')}`)
  const walBytesAfter = walAfter.reduce((a, f) => a + statSync(join(stateDir, f)).size, 0)
  assert.equal(walBytesAfter, 0, 'the log left behind is empty')
  const counts = await readStateCounts(stateDir)

  // A restart loads the same map from the checkpoint alone.
  const logFrom = mapper.logs.length
  await mapper.restart()
  const after = await mapEdges()
  assert.deepEqual(after, before)
  const loaded = mapper.logs.slice(logFrom).map((l) => { try { return JSON.parse(l) as Record<string, unknown> } catch { return {} } }).find((l) => l.msg === 'map loaded')
  assert.ok(loaded, 'the restart logged what it loaded')
  assert.equal(loaded.edges, before.length)
  assert.equal(loaded.walEntries, 0, 'nothing left to replay')
  assert.deepEqual(await readStateCounts(stateDir), counts, 'counts unchanged by the restart')

  recordFigure({
    area: 'faults',
    test: 'graceful shutdown: SIGTERM checkpoints the mapper\'s store (--state-dir)',
    figure: `${REPORTS} rounds of reports, one from each client pod's node (${before.length} edges, log ${walBytesBefore.toLocaleString('en-US')} bytes in ${walBefore.length} file(s)) then SIGTERM: exit 0; map.ndjson holds all ${cp.edges.length} edges with their counts; log rotated to generation ${cp.walGeneration}, 0 bytes; restart: ${String(loaded.edges)} edges from the checkpoint, 0 log entries replayed, same map and counts`,
    faults: 1,
    lost: 0,
    file: 'test/reliability/mapper-shutdown.test.ts'
  })
})
