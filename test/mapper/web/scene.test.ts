import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildScene, FLAT_LIMIT, indexMap } from '../../../mapper/web/scene.js'
import { idKey } from '../../../mapper/web/identity.js'
import { shopEdges } from './shop-map.js'
import { generateMap } from './generated-map.js'

const big = generateMap({ workloads: 300, calls: 1200, namespaces: 12 })

test('a small map is drawn workload by workload, one frame per namespace, one arrow per call', () => {
  const scene = buildScene(indexMap(shopEdges()))
  assert.equal(scene.mode, 'flat')
  assert.deepEqual(scene.units.map((u) => u.key).sort(), [
    'CronJob batch/nightly', 'Deployment shop/checkout', 'Deployment shop/orders', 'External api.partner.example', 'StatefulSet db/ledger'])
  assert.deepEqual(scene.frames.map((f) => [f.group, f.units.length]), [['batch', 1], ['db', 1], ['shop', 2], ['~external', 1]])
  assert.deepEqual(scene.links.map((l) => [l.key, l.edges.length]), [
    ['CronJob batch/nightly -> StatefulSet db/ledger', 1],
    ['Deployment shop/checkout -> Deployment shop/orders', 1],
    ['Deployment shop/checkout -> External api.partner.example', 1]])
  // The Service a server was reached through is not part of its box.
  assert.equal(scene.units.find((u) => u.key === 'Deployment shop/orders')?.id?.service, undefined)
})

test(`past ${FLAT_LIMIT} workloads the map becomes an overview: a box per namespace, arrows aggregated, calls inside counted`, () => {
  const scene = buildScene(indexMap(big.edges))
  assert.equal(scene.mode, 'overview')
  assert.equal(scene.units.length, 13)
  assert.ok(scene.units.every((u) => u.type === 'group'))
  // Every call is on exactly one arrow or counted inside exactly one box.
  const onArrows = scene.links.reduce((n, l) => n + l.edges.length, 0)
  const inside = scene.units.reduce((n, u) => n + (u.inner ?? 0), 0)
  assert.equal(onArrows + inside, 1200)
  const payments = scene.units.find((u) => u.key === 'group:payments')
  assert.equal(payments?.workloads, big.workloads.filter((w) => w.namespace === 'payments').length)
  assert.equal(payments?.inner, big.edges.filter((e) => e.client.namespace === 'payments' && e.server.namespace === 'payments').length)
  const link = scene.links.find((l) => l.key === 'group:payments -> group:identity')
  assert.equal(link?.edges.length, big.edges.filter((e) => e.client.namespace === 'payments' && e.server.namespace === 'identity').length)
})

test('an opened namespace is drawn workload by workload in place; the others stay boxes', () => {
  const scene = buildScene(indexMap(big.edges), { expand: ['payments', 'no-such-namespace'] })
  assert.deepEqual(scene.frames.map((f) => f.group), ['payments'])
  const members = big.workloads.filter((w) => w.namespace === 'payments').map(idKey).sort()
  assert.deepEqual(scene.units.filter((u) => u.type === 'workload').map((u) => u.key).sort(), members)
  assert.equal(scene.units.filter((u) => u.type === 'group').length, 12)
  // Calls from payments' workloads to other namespaces end at those namespaces' boxes.
  assert.ok(scene.links.some((l) => l.from.startsWith('Deployment payments/') && l.to === 'group:identity'))
  const onArrows = scene.links.reduce((n, l) => n + l.edges.length, 0)
  assert.equal(onArrows + scene.units.reduce((n, u) => n + (u.inner ?? 0), 0), 1200)
})

test('a focused workload is shown with exactly its direct clients and servers, one arrow per call', () => {
  const idx = indexMap(big.edges)
  const key = 'Deployment payments/payments-api'
  const scene = buildScene(idx, { focus: key })
  assert.equal(scene.mode, 'focus')
  assert.equal(scene.focus, key)
  const clients = big.edges.filter((e) => idKey(e.server) === key).map((e) => idKey(e.client))
  const servers = big.edges.filter((e) => idKey(e.client) === key).map((e) => idKey(e.server))
  assert.deepEqual(scene.units.map((u) => u.key).sort(), [...new Set([key, ...clients, ...servers])].sort())
  assert.deepEqual(scene.links.map((l) => l.key).sort(), big.edges.filter((e) => idKey(e.client) === key || idKey(e.server) === key)
    .map((e) => `${idKey(e.client)} -> ${idKey(e.server)}`).sort())
  for (const c of clients) assert.equal(scene.tiers?.get(c), 0, c)
  for (const s of servers) if (!clients.includes(s)) assert.equal(scene.tiers?.get(s), 2, s)
  assert.equal(scene.tiers?.get(key), 1)
})

test('a focused hub with more neighbours than the limit has them aggregated per namespace, unless opened', () => {
  const idx = indexMap(big.edges)
  const hub = [...idx.workloads.values()].sort((a, b) => b.in.length - a.in.length)[0]
  assert.ok(hub && hub.in.length > 10, 'a hub')
  const scene = buildScene(idx, { focus: hub.key }, { flat: 60, focus: 5 })
  assert.ok(scene.units.some((u) => u.type === 'group'), 'aggregated')
  assert.equal(scene.links.reduce((n, l) => n + l.edges.length, 0), new Set([...hub.in, ...hub.out]).size)
  const group = scene.units.find((u) => u.type === 'group')?.group as string
  const opened = buildScene(idx, { focus: hub.key, expand: [group] }, { flat: 60, focus: 5 })
  assert.ok(!opened.units.some((u) => u.key === `group:${group}`))
  assert.ok(opened.units.some((u) => u.type === 'workload' && u.group === group))
})

test('a focus on a workload not in the map shows the map as without a focus', () => {
  const scene = buildScene(indexMap(shopEdges()), { focus: 'Deployment nowhere/nothing' })
  assert.equal(scene.mode, 'flat')
})
