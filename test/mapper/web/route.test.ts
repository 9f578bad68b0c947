import { test } from 'node:test'
import assert from 'node:assert/strict'
import { arrange, geometry, type Layout } from '../../../mapper/web/layout.js'
import { gutterSizes, planRoutes, realizeRoutes, type Route } from '../../../mapper/web/route.js'
import { buildScene, indexMap, type Scene } from '../../../mapper/web/scene.js'
import { shopEdges } from './shop-map.js'
import { generateMap } from './generated-map.js'

const big = generateMap({ workloads: 300, calls: 1200, namespaces: 12 })

function routed (scene: Scene): { lay: Layout, routes: Map<string, Route> } {
  const arr = arrange(scene)
  const plan = planRoutes(arr, scene.links)
  const lay = geometry(arr, gutterSizes(plan, arr))
  return { lay, routes: realizeRoutes(plan, lay) }
}

const scenes: Array<[string, () => Scene]> = [
  ['the shop map', () => buildScene(indexMap(shopEdges()))],
  ['the 300-workload overview', () => buildScene(indexMap(big.edges))],
  ['the overview with two namespaces open', () => buildScene(indexMap(big.edges), { expand: ['payments', 'messaging'] })],
  ['300 workloads one by one', () => buildScene(indexMap(big.edges), {}, { flat: 1000, focus: 60 })],
  ['a focused API', () => buildScene(indexMap(big.edges), { focus: 'Deployment payments/payments-api' })]
]

for (const [name, make] of scenes) {
  test(`${name}: every arrow runs from its client's side to its server's side, through no other box`, () => {
    const scene = make()
    const { lay, routes } = routed(scene)
    assert.equal(routes.size, scene.links.length, 'every arrow routed')
    const boxes = [...lay.boxes.values()]
    const problems: string[] = []
    for (const l of scene.links) {
      const r = routes.get(l.key) as Route
      const a = lay.boxes.get(l.from)
      const b = lay.boxes.get(l.to)
      assert.ok(a && b)
      const [x0, y0] = r.points[0] as [number, number]
      const [x1, y1] = r.points[r.points.length - 1] as [number, number]
      if (!((Math.abs(x0 - a.x) < 0.01 || Math.abs(x0 - a.x - a.w) < 0.01) && y0 > a.y && y0 < a.y + a.h)) problems.push(`${l.key} starts off its client's side`)
      if (!((Math.abs(x1 - b.x) < 2 || Math.abs(x1 - b.x - b.w) < 2) && y1 > b.y && y1 < b.y + b.h)) problems.push(`${l.key} ends off its server's side`)
      for (const s of r.segments) {
        for (const box of boxes) {
          // Inside a box (its border excluded): axis-aligned segments against the open rectangle.
          const xlo = Math.min(s.x1, s.x2)
          const xhi = Math.max(s.x1, s.x2)
          const ylo = Math.min(s.y1, s.y2)
          const yhi = Math.max(s.y1, s.y2)
          if (xhi > box.x + 0.5 && xlo < box.x + box.w - 0.5 && yhi > box.y + 0.5 && ylo < box.y + box.h - 0.5) problems.push(`${l.key} crosses ${box.key}`)
        }
        if (Math.abs(s.x1 - s.x2) > 0.01 && Math.abs(s.y1 - s.y2) > 0.01) problems.push(`${l.key} has a slanted segment`)
      }
    }
    assert.deepEqual(problems, [])
  })

  test(`${name}: a segment an arrow calls its own is not run along by any other arrow`, () => {
    const { routes } = routed(make())
    // Collinear overlaps between different arrows, by line: horizontal at y, vertical at x.
    const lines = new Map<string, Array<{ key: string, lo: number, hi: number, shared: boolean }>>()
    for (const r of routes.values()) {
      for (const s of r.segments) {
        const flat = Math.abs(s.y1 - s.y2) < 0.01
        const k = flat ? `h${s.y1.toFixed(2)}` : `v${s.x1.toFixed(2)}`
        const [lo, hi] = flat ? [Math.min(s.x1, s.x2), Math.max(s.x1, s.x2)] : [Math.min(s.y1, s.y2), Math.max(s.y1, s.y2)]
        ;(lines.get(k) ?? lines.set(k, []).get(k))?.push({ key: r.key, lo, hi, shared: s.shared })
      }
    }
    const problems: string[] = []
    for (const segs of lines.values()) {
      for (const s of segs) {
        if (s.shared) continue
        const other = segs.find((t) => t.key !== s.key && Math.min(s.hi, t.hi) - Math.max(s.lo, t.lo) > 1)
        if (other) problems.push(`${s.key} runs along ${other.key}`)
      }
    }
    assert.deepEqual(problems, [])
  })
}

test('arrows share trunks: a gutter holds far fewer lanes than the arrows through it', () => {
  const scene = buildScene(indexMap(generateMap({ workloads: 3000, calls: 12000, namespaces: 40 }).edges))
  const arr = arrange(scene)
  const plan = planRoutes(arr, scene.links)
  const sizes = gutterSizes(plan, arr)
  assert.ok(scene.links.length > 200, `${scene.links.length} arrows`)
  assert.ok(Math.max(...sizes.v) < 400, `widest gutter ${Math.max(...sizes.v)} px`)
})
