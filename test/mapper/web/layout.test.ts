import { test } from 'node:test'
import assert from 'node:assert/strict'
import { layout } from '../../../mapper/web/layout.js'
import { buildScene, indexMap, type Scene } from '../../../mapper/web/scene.js'
import { idKey } from '../../../mapper/web/identity.js'
import type { Edge } from '../../../src/contract/map.js'
import { checkout, edge, ledger, nightly, orders, partner, shopEdges } from './shop-map.js'
import { generateMap } from './generated-map.js'
import { misgrouped, overlappingPairs } from './geometry.js'

const big = generateMap({ workloads: 300, calls: 1200, namespaces: 12 })
const positions = (scene: Scene, previous?: { tiers: Map<string, number> }) =>
  new Map([...layout(scene, previous ? { previous } : {}).boxes].map(([k, b]) => [k, `${b.x},${b.y}`]))
const groupOfUnit = (scene: Scene) => {
  const m = new Map(scene.units.map((u) => [u.key, u]))
  return (key: string) => { const u = m.get(key); return u?.type === 'workload' ? u.group : undefined }
}

function checkPlacement (scene: Scene): void {
  const lay = layout(scene)
  assert.equal(lay.boxes.size, scene.units.length, 'every box placed')
  assert.deepEqual(overlappingPairs([...lay.boxes.values()].map((b) => ({ ...b, name: b.key }))), [], 'boxes overlap')
  assert.deepEqual(overlappingPairs(lay.frameBoxes.map((f) => ({ ...f, name: f.group }))), [], 'frames overlap')
  assert.deepEqual(misgrouped(lay, groupOfUnit(scene)), [])
  for (const b of lay.boxes.values()) {
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= lay.width && b.y + b.h <= lay.height, `${b.key} inside the picture`)
  }
}

test('the shop map: every workload in its namespace frame, none overlapping, callers left of whom they call', () => {
  const scene = buildScene(indexMap(shopEdges()))
  assert.equal(scene.mode, 'flat')
  checkPlacement(scene)
  const lay = layout(scene)
  const x = (id: typeof checkout) => (lay.boxes.get(idKey(id)) as { x: number }).x
  assert.ok(x(checkout) < x(orders), 'checkout left of orders')
  assert.ok(x(checkout) < x(partner), 'checkout left of the external API')
  assert.ok(x(nightly) < x(ledger), 'nightly left of ledger')
  assert.deepEqual(lay.frameBoxes.map((f) => f.group).sort(), ['batch', 'db', 'shop', '~external'])
})

test('300 workloads drawn one by one in 13 frames: no overlaps, each namespace grouped', () => {
  const idx = indexMap(big.edges)
  const scene = buildScene(idx, {}, { flat: 1000, focus: 60 })
  assert.equal(scene.units.length, 300)
  checkPlacement(scene)
})

test('the overview with two namespaces opened in place: no overlaps, the opened ones grouped', () => {
  const scene = buildScene(indexMap(big.edges), { expand: ['payments', 'identity'] })
  assert.equal(scene.mode, 'overview')
  assert.deepEqual(scene.frames.map((f) => f.group), ['identity', 'payments'])
  checkPlacement(scene)
})

test('the same map always gets the same picture', () => {
  const scene = () => buildScene(indexMap(big.edges), { expand: ['payments'] })
  assert.deepEqual(positions(scene()), positions(scene()))
  // Order of the calls in the answer does not matter either.
  assert.deepEqual(positions(buildScene(indexMap([...big.edges].reverse()), { expand: ['payments'] })), positions(scene()))
})

test('a new call that changes no box\'s role moves nothing', () => {
  // shop: checkout only calls (left column), ledger is only called (right column).
  const before = buildScene(indexMap(shopEdges()))
  const after = buildScene(indexMap([...shopEdges(), edge(checkout, ledger, 5432)]))
  assert.deepEqual(positions(after), positions(before))
  // On the 300-workload overview with payments opened: an entry point calling one more API.
  const src = big.edges.find((e) => e.client.namespace === 'payments' && e.client.name === 'payments-web') as Edge
  const dst = big.edges.find((e) => e.server.namespace === 'payments' && e.server.name.startsWith('payments-api') &&
    !big.edges.some((x) => idKey(x.client) === idKey(src.client) && idKey(x.server) === idKey(e.server))) as Edge
  const b2 = buildScene(indexMap(big.edges), { expand: ['payments'] })
  const a2 = buildScene(indexMap([...big.edges, edge(src.client, dst.server, 8080)]), { expand: ['payments'] })
  assert.equal(a2.calls, b2.calls + 1)
  assert.deepEqual(positions(a2), positions(b2))
})

test('given the previous layout, a new call moves nothing even when it changes a box\'s role', () => {
  // ledger starts calling partner: it is no longer "only called". Without the previous layout it moves.
  const before = buildScene(indexMap(shopEdges()))
  const after = buildScene(indexMap([...shopEdges(), edge(ledger, partner, 443)]))
  const prev = layout(before)
  assert.notDeepEqual(positions(after), positions(before), 'the role change is visible without the previous layout')
  assert.deepEqual(positions(after, prev), positions(before))
  // And across the 300-workload overview: a database calling out, an API calling a new namespace.
  const base = buildScene(indexMap(big.edges), { expand: ['payments', 'search'] })
  const db = big.workloads.find((w) => w.namespace === 'payments' && w.name === 'payments-db')
  const api = big.workloads.find((w) => w.namespace === 'search' && w.name === 'search-api')
  assert.ok(db && api)
  const changed = buildScene(indexMap([...big.edges, edge(db, api, 8080)]), { expand: ['payments', 'search'] })
  assert.deepEqual(positions(changed, layout(base)), positions(base))
})

test('a focused workload sits between its clients (left) and its servers (right)', () => {
  const idx = indexMap(big.edges)
  const focus = [...idx.workloads.values()].find((w) => w.in.length > 2 && w.out.length > 2)
  assert.ok(focus, 'a workload with clients and servers')
  const scene = buildScene(idx, { focus: focus.key })
  checkPlacement(scene)
  const lay = layout(scene)
  const fx = (lay.boxes.get(focus.key) as { x: number }).x
  for (const e of focus.in) assert.ok((lay.boxes.get(idKey(e.client)) as { x: number }).x < fx, `client ${idKey(e.client)} left`)
  const clients = new Set(focus.in.map((e) => idKey(e.client)))
  for (const e of focus.out) {
    if (!clients.has(idKey(e.server))) assert.ok((lay.boxes.get(idKey(e.server)) as { x: number }).x > fx, `server ${idKey(e.server)} right`)
  }
})

test('the picture aims at the window\'s shape: a wide window gets fewer rows', () => {
  const scene = buildScene(indexMap(generateMap({ workloads: 3000, calls: 12000, namespaces: 40 }).edges))
  const wide = layout(scene, { aspect: 2.5 })
  const tall = layout(scene, { aspect: 0.8 })
  assert.ok(wide.rows < tall.rows, `${wide.rows} rows wide, ${tall.rows} tall`)
  assert.ok(wide.width / wide.height > tall.width / tall.height)
})
