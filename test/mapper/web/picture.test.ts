import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fit, picture, portCounts, type Measure } from '../../../mapper/web/picture.js'
import { buildScene, indexMap } from '../../../mapper/web/scene.js'
import { LABEL_H } from '../../../mapper/web/labels.js'
import { shopEdges, edge, checkout, orders } from './shop-map.js'
import { generateMap } from './generated-map.js'
import { overlappingPairs } from './geometry.js'

/** DejaVu-like advances: bold titles are wider than labels. */
const measure: Measure = (text, font) => text.length * (font === 'title' ? 8.2 : font === 'frame' ? 7.6 : font === 'label' ? 6.7 : 6.2)
const big = generateMap({ workloads: 300, calls: 1200, namespaces: 12 })

/** Every text the picture prints, as the rectangle it takes. */
function texts (pic: ReturnType<typeof picture>) {
  const out: Array<{ name: string, x: number, y: number, w: number, h: number }> = []
  for (const b of pic.boxes) {
    out.push({ name: `sub ${b.key}`, x: b.x + 16, y: b.y + 8, w: measure(b.sub, 'sub'), h: 13 })
    out.push({ name: `title ${b.key}`, x: b.x + 16, y: b.y + 24, w: measure(b.title, 'title'), h: 16 })
  }
  for (const f of pic.frames) out.push({ name: `frame ${f.group}`, x: f.tx, y: f.ty - 13, w: measure(f.title, 'frame'), h: 16 })
  for (const l of pic.links) if (l.label) out.push({ name: `label ${l.key}`, x: l.label.cx - measure(l.label.text, 'label') / 2, y: l.label.cy - LABEL_H / 2, w: measure(l.label.text, 'label'), h: LABEL_H })
  return out
}

test('texts are cut to fit with an ellipsis', () => {
  assert.equal(fit('checkout', 200, 'title', measure), 'checkout')
  const cut = fit('a-very-long-workload-name-that-does-not-fit', 150, 'title', measure)
  assert.match(cut, /…$/)
  assert.ok(measure(cut, 'title') <= 150)
  assert.ok(measure(`${cut.slice(0, -1)}x…`, 'title') > 150, 'the longest prefix that fits')
})

test('the shop map: every call labelled with its port, no text over another or over a box', () => {
  const pic = picture(buildScene(indexMap(shopEdges())), measure)
  assert.deepEqual(pic.links.map((l) => l.label?.text).sort(), ['443/TCP', '5432/TCP', '8080/TCP'])
  assert.deepEqual(overlappingPairs(texts(pic)), [])
})

for (const [name, view, limits] of [
  ['the 300-workload overview', {}, undefined],
  ['the overview with payments open', { expand: ['payments'] }, undefined],
  ['300 workloads one by one', {}, { flat: 1000, focus: 60 }],
  ['a focused API', { focus: 'Deployment payments/payments-api' }, undefined]
] as const) {
  test(`${name}: no text overlaps another, no label overlaps a box`, () => {
    const pic = picture(buildScene(indexMap(big.edges), view, limits), measure)
    assert.deepEqual(overlappingPairs(texts(pic)), [])
    const labels = texts(pic).filter((t) => t.name.startsWith('label '))
    const boxes = pic.boxes.map((b) => ({ ...b, name: `box ${b.key}` }))
    assert.deepEqual(overlappingPairs([...labels, ...boxes]).filter((p) => p.includes('label ') && p.includes('box ')), [])
    if (name !== 'the 300-workload overview') assert.ok(labels.length > 0, 'some arrows are labelled')
  })
}

test('aggregated arrows count calls per port, busiest first, and the calls would-be-denied', () => {
  const edges = [edge(checkout, orders, 8080), { ...edge(checkout, { ...orders, name: 'orders-2' }, 8080) }, edge(checkout, { ...orders, name: 'orders-3' }, 9090)]
  assert.deepEqual(portCounts(edges), [{ port: 8080, protocol: 'TCP', calls: 2 }, { port: 9090, protocol: 'TCP', calls: 1 }])
  const scene = buildScene(indexMap(big.edges))
  const denied = new Map([[`${'Deployment payments/payments-api'} -> Deployment identity/identity-api`, []]])
  const pic = picture(scene, measure, { denied })
  const l = pic.links.find((x) => x.key === 'group:payments -> group:identity')
  assert.ok(l?.aggregated)
  assert.equal(l.text, l.calls === 1 ? '1 call' : `${l.calls} calls`)
  const real = big.edges.some((e) => e.client.name === 'payments-api' && e.server.name === 'identity-api')
  assert.equal(l.denied, real ? 1 : 0)
})
