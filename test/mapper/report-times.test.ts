/**
 * Reported times are untrusted. Guards "one report bricked the map": a lastSeen no Date can hold was
 * accepted, logged, and made every GET /api/v1/map answer 500, even after a restart. And a call
 * stamped in the year 2100 stayed in every recent window.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, TEST_TOKEN } from './test-app.js'
import { IP, T0 } from './fixtures.js'

const auth = { authorization: `Bearer ${TEST_TOKEN}` }
const socket = (over: Record<string, unknown> = {}) => ({ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0, count: 1, ...over })
const report = (sockets: unknown[]) => ({ version: 2, node: 'node-a', sentAt: T0, dns: [], sockets })

async function app () {
  // The mapper's clock reads T0; reported times may be 5 minutes ahead and 30 days back.
  return buildTestApp({ times: { maxFutureMs: 300_000, maxPastMs: 30 * 86_400_000 }, now: () => T0 })
}

test('a time no Date can hold is refused with a 400 naming the field; the map stays readable', async () => {
  const { app: a } = await app()
  for (const lastSeen of [1e20, 2 ** 53 - 1, 8.64e15 + 1]) {
    const res = await a.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: report([socket({ lastSeen })]) })
    assert.equal(res.statusCode, 400, `lastSeen ${lastSeen}: ${res.body}`)
    assert.match(res.json().message, /sockets\[0\]\.lastSeen/)
  }
  const map = await a.inject('/api/v1/map')
  assert.equal(map.statusCode, 200)
})

test('records stamped beyond the clock skew, before retention, or ending before they start are refused and counted; the rest is kept', async () => {
  const { app: a, registry } = await app()
  const res = await a.inject({
    method: 'POST', url: '/api/v1/reports', headers: auth,
    payload: report([
      socket(),
      socket({ port: 81, lastSeen: Date.parse('2100-01-01T00:00:00Z'), firstSeen: Date.parse('2100-01-01T00:00:00Z') }),
      socket({ port: 82, lastSeen: T0 + 301_000 }),
      socket({ port: 83, firstSeen: T0 - 40 * 86_400_000, lastSeen: T0 - 31 * 86_400_000 }),
      socket({ port: 84, firstSeen: T0, lastSeen: T0 - 1 }),
      socket({ port: 85, lastSeen: T0 + 299_000 })
    ])
  })
  assert.equal(res.statusCode, 200, res.body)
  const edges = (await a.inject('/api/v1/map?since=1h')).json().edges as Array<{ ports: Array<{ port: number }> }>
  // ports are the Service's target ports (80 -> 8080); only ports 80 and 85 were kept
  const all = (await a.inject('/api/v1/map')).json().edges as Array<{ lastSeen: string }>
  assert.equal(all.length, 1)
  assert.ok(Date.parse(all[0]!.lastSeen) <= T0 + 300_000, `lastSeen ${all[0]!.lastSeen} is within the skew`)
  assert.ok(edges.length <= 1)
  const text = await registry.metrics()
  assert.match(text, /podmap_mapper_records_refused_total\{reason="time-future"\} 2/)
  assert.match(text, /podmap_mapper_records_refused_total\{reason="time-past"\} 1/)
  assert.match(text, /podmap_mapper_records_refused_total\{reason="time-order"\} 1/)
})
