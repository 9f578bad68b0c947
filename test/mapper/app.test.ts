import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, TEST_TOKEN as TOKEN } from './test-app.js'
import { IP, T0 } from './fixtures.js'

async function setup () {
  const { app, store, logged } = await buildTestApp()
  return { app, store, logged }
}

const report = () => ({
  version: 1,
  node: 'node-a',
  sentAt: T0,
  dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0 + 5000, count: 2 }]
})

const auth = { authorization: `Bearer ${TOKEN}` }

test('a valid report becomes an edge in GET /api/v1/map', async () => {
  const { app } = await setup()
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
  assert.equal(res.statusCode, 200, res.body)
  const { instance, ...ack } = res.json()
  assert.deepEqual(ack, { accepted: { dns: 1, sockets: 1 } })
  assert.match(instance, /^[0-9a-f-]{36}$/, 'the ack names this mapper process (sniffers re-send what is current when it changes)')
  const again = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
  assert.equal(again.json().instance, instance, 'the same process answers with the same instance id')
  assert.notEqual((await (await setup()).app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })).json().instance, instance, 'another process, another id')
  const map = await app.inject({ method: 'GET', url: '/api/v1/map' })
  assert.deepEqual(map.json(), {
    edges: [{
      client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
      ports: [{ port: 8080, protocol: 'TCP' }],
      evidence: ['dns', 'tcp'],
      firstSeen: new Date(T0).toISOString(),
      lastSeen: new Date(T0 + 5000).toISOString()
    }]
  })
  const other = await app.inject({ method: 'GET', url: '/api/v1/map?namespace=batch' })
  assert.deepEqual(other.json(), { edges: [] })
})

test('reports without the right token get 401 and change nothing', async () => {
  const { app, store } = await setup()
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }]) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers, payload: report() })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'PODMAP_ERR_UNAUTHORIZED')
  }
  assert.equal(store.size, 0)
})

test('a malformed report gets 400 naming the field, and the stored map is unchanged', async () => {
  const { app, store } = await setup()
  await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
  const before = store.list()
  const bad = report()
  ;(bad.sockets[0] as { port: number }).port = 70000
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: bad })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().message, /body\.sockets\[0\]\.port/)
  const badIp = report()
  ;(badIp.dns[0] as { client: string }).client = 'not-an-ip'
  const res2 = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: badIp })
  assert.equal(res2.statusCode, 400)
  assert.match(res2.json().message, /body\.dns\[0\]\.client/)
  assert.deepEqual(store.list(), before)
})

test('an unknown report version is refused with a clear 400', async () => {
  const { app } = await setup()
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: { ...report(), version: 4 } })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'PODMAP_ERR_REPORT_VERSION')
  assert.match(res.json().message, /version 4 is not supported; this mapper accepts versions 1, 2, 3/)
})

test('invalid JSON is 400, an oversized body is 413, and neither is a 5xx', async () => {
  const { app } = await setup()
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"version":1,' })
  assert.equal(res.statusCode, 400)
  const big = report()
  big.dns = Array.from({ length: 2000 }, () => big.dns[0] as (typeof big.dns)[number])
  const res2 = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: big })
  assert.equal(res2.statusCode, 413)
})

test('health, readiness and metrics are served; the token never reaches logs or metrics', async () => {
  const { app, logged } = await setup()
  assert.equal((await app.inject('/healthz')).statusCode, 200)
  assert.equal((await app.inject('/readyz')).statusCode, 200)
  await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}x` }, payload: report() })
  await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report() })
  const metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /podmap_mapper_records_ingested_total\{source="dns"\} 1/)
  assert.match(metrics, /podmap_mapper_edges 1/)
  assert.match(metrics, /podmap_mapper_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/reports",status_code="401"\} 1/)
  assert.ok(!metrics.includes(TOKEN))
  assert.ok(!logged.join('').includes(TOKEN))
  const missing = await app.inject('/nope')
  assert.equal(missing.statusCode, 404)
})
