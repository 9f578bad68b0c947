/**
 * GET /api/v1/explain: an edge explains itself — the DNS names the client used, the Service it went
 * through, the nodes that reported it, counts by evidence and port — within bounded samples.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EXPLAIN_SAMPLE_LIMIT } from '../../src/contract/explain.js'
import { buildTestApp, TEST_TOKEN } from './test-app.js'
import { IP, T0 } from './fixtures.js'

const auth = { authorization: `Bearer ${TEST_TOKEN}` }
const report = (node: string, name = 'orders.shop.svc.cluster.local') => ({
  version: 2, node, sentAt: T0,
  dns: [{ client: IP.checkout, name, answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 2 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0 + 1000, count: 3 }]
})
const url = '/api/v1/explain?client=Deployment/shop/checkout&server=Deployment/shop/orders'

test('an edge names the DNS names, the Service and the nodes behind it, with counts by evidence and port', async () => {
  const { app } = await buildTestApp({ now: () => T0 + 60_000 })
  for (const name of ['orders.shop.svc.cluster.local', 'orders.shop.svc', 'orders.shop']) {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report('node-a', name) })).statusCode, 200)
  }
  // node-b cannot have seen checkout's calls (checkout runs on node-a): accepted, refused record by record
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report('node-b', 'orders.shop.svc.cluster.local') })).statusCode, 200)
  const res = await app.inject(url)
  assert.equal(res.statusCode, 200, res.body)
  const x = res.json()
  assert.deepEqual(x.client, { kind: 'Deployment', namespace: 'shop', name: 'checkout' })
  assert.deepEqual(x.dnsNames.sort(), ['orders.shop', 'orders.shop.svc', 'orders.shop.svc.cluster.local'])
  assert.deepEqual(x.services, ['orders'])
  assert.deepEqual(x.nodes, ['node-a'])
  assert.deepEqual(x.evidence, [{ kind: 'dns', count: 6 }, { kind: 'tcp', count: 9 }])
  assert.deepEqual(x.ports, [{ port: 8080, protocol: 'TCP', count: 9 }])
  assert.equal(x.firstSeen, new Date(T0).toISOString())
  assert.equal(x.lastSeen, new Date(T0 + 1000).toISOString())
  assert.deepEqual(x.truncated, { dnsNames: 0, services: 0, nodes: 0 })
  assert.equal((await app.inject(`${url}&since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z`)).statusCode, 404, 'nothing in that window')
  assert.equal((await app.inject('/api/v1/explain?client=Deployment/shop/nobody&server=Deployment/shop/orders')).statusCode, 404)
  const bad = await app.inject('/api/v1/explain?client=checkout&server=orders')
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().message, /query\.client/)
})

test('samples are bounded: past the limit, observations of other values are counted, not kept', async () => {
  const { app, embedded } = await buildTestApp({ now: () => T0 + 60_000 })
  const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
  const orders = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
  // An edge reported by more nodes than the sample keeps (a DaemonSet client on every node, say).
  await embedded.record(Array.from({ length: EXPLAIN_SAMPLE_LIMIT + 5 }, (_v, i) => ({ client: checkout, server: orders, evidence: 'tcp' as const, port: { port: 8080, protocol: 'TCP' as const }, node: `node-${i}`, first: T0, last: T0, count: 1 })))
  const x = (await app.inject(url)).json()
  assert.equal(x.nodes.length, EXPLAIN_SAMPLE_LIMIT)
  assert.equal(x.truncated.nodes, 5)
})

test('snapshots are capped: past --max-snapshots a new name is 409 and says what to do; replacing one is allowed', async () => {
  const { app } = await buildTestApp({ maxSnapshots: 2 })
  const pin = (name: string) => app.inject({ method: 'POST', url: '/api/v1/snapshots', headers: auth, payload: { name } })
  assert.equal((await pin('a')).statusCode, 201)
  assert.equal((await pin('b')).statusCode, 201)
  const third = await pin('c')
  assert.equal(third.statusCode, 409)
  assert.equal(third.json().code, 'PODMAP_ERR_SNAPSHOT_LIMIT')
  assert.match(third.json().message, /at most 2 snapshots.*delete one/)
  assert.equal((await pin('a')).statusCode, 201, 'a snapshot of the same name is replaced')
})
