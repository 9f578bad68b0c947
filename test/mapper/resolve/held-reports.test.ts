/**
 * Degrade, never block: before the cluster view has caught up, reports are acknowledged, kept durably
 * and resolved once it has (in order); a restart keeps them; past the cap the mapper answers 503 with
 * Retry-After so the sniffer keeps its batch.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterIndex } from '../../../mapper/kube/cluster-index.js'
import { buildTestApp, TEST_TOKEN } from '../test-app.js'
import { IP, T0, shopObjects } from '../fixtures.js'

const auth = { authorization: `Bearer ${TEST_TOKEN}` }
const report = (port = 80) => ({
  version: 2, node: 'node-a', sentAt: T0,
  dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port, protocol: 'TCP', firstSeen: T0, lastSeen: T0, count: 1 }]
})

/** An index the informers have not filled yet, and the switch that says they have. */
function lateCluster () {
  const index = new ClusterIndex()
  let caughtUp = false
  return {
    index,
    caughtUp: () => caughtUp,
    sync: () => { for (const [kind, obj] of shopObjects()) index.upsert(kind, obj, T0 - 3_000_000); caughtUp = true }
  }
}

test('reports before the informers caught up are acknowledged as held, survive a restart, and resolve once the cluster is known', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-held-'))
  try {
    const c1 = lateCluster()
    const a = await buildTestApp({ index: c1.index, caughtUp: c1.caughtUp, stateDir: dir })
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual({ ...(res.json() as object), instance: undefined }, { accepted: { dns: 1, sockets: 1 }, held: true, instance: undefined })
    const map = await a.app.inject('/api/v1/map')
    assert.equal(map.statusCode, 200, 'the (empty) stored map is served meanwhile')
    assert.equal(map.json().edges.length, 0)
    assert.equal(map.headers['x-podmap-held-records'], '2')
    assert.match(await a.registry.metrics(), /podmap_mapper_held_records 2/)
    // kill -9: no close. A new mapper starts; the informers are still not there.
    const c2 = lateCluster()
    const b = await buildTestApp({ index: c2.index, caughtUp: c2.caughtUp, stateDir: dir })
    assert.equal(b.ingestor.heldRecords(), 2, 'the held report came back from the log')
    assert.equal(await b.ingestor.drain(), 0, 'nothing resolves before the cluster is known')
    const second = await b.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report(81) })
    assert.equal(second.json().held, true, 'later reports queue behind the held ones')
    c2.sync()
    assert.equal(await b.ingestor.drain(), 2)
    assert.equal(b.ingestor.heldRecords(), 0)
    const edges = (await b.app.inject('/api/v1/map')).json().edges as Array<{ client: { name: string }, server: { name: string }, ports: Array<{ port: number }> }>
    assert.deepEqual(edges.map((e) => `${e.client.name}->${e.server.name}`), ['checkout->orders'])
    // 80 is the Service's port (target 8080); 81 is none of its ports and stays 81.
    assert.deepEqual(edges[0]?.ports.map((p) => p.port), [81, 8080], 'both held reports resolved, through the Service')
    const direct = await b.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
    assert.equal(direct.json().held, undefined, 'once caught up, reports resolve at once')
    // And after another restart nothing is held or resolved twice.
    const c3 = lateCluster()
    c3.sync()
    const c = await buildTestApp({ index: c3.index, caughtUp: c3.caughtUp, stateDir: dir })
    assert.equal(c.ingestor.heldRecords(), 0)
    assert.equal((await c.app.inject('/api/v1/map')).json().edges.length, 1)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('past --max-held-records a report gets 503 with Retry-After and nothing is lost from what was held', async () => {
  const c = lateCluster()
  const a = await buildTestApp({ index: c.index, caughtUp: c.caughtUp, maxHeldRecords: 3 })
  assert.equal((await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })).statusCode, 200)
  const over = await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
  assert.equal(over.statusCode, 503, over.body)
  assert.equal(over.json().code, 'PODMAP_ERR_BUSY')
  assert.equal(over.headers['retry-after'], '5')
  assert.equal(a.ingestor.heldRecords(), 2)
})
