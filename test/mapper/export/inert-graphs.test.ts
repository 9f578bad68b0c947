/** Names in DOT, Mermaid, SVG and PNG are inert: a NUL, an escape or markup in one name cannot break or forge a picture. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Edge } from '../../../src/contract/map.js'
import { toDot } from '../../../mapper/export/dot.js'
import { toMermaid } from '../../../mapper/export/mermaid.js'
import { createImageRenderer } from '../../../mapper/export/render-image.js'

const at = '2026-11-26T12:00:00.000Z'
const HOSTILE = 'nul\u0000esc\u001b[2J "q" <script>&#0; #quot; `md` \u202eevil\nline'
const edges: Edge[] = [
  { client: { kind: 'Deployment', namespace: 'shop', name: HOSTILE }, server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'svc\u0000"x' }, ports: [{ port: 80, protocol: 'TCP' }], evidence: ['tcp'], firstSeen: at, lastSeen: at },
  { client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' }, server: { kind: 'External', name: 'a\u0007b.example' }, ports: [], evidence: ['dns'], firstSeen: at, lastSeen: at }
]
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/

test('DOT and Mermaid: no raw control or bidi character, no markup or entity from a name, one line per statement', () => {
  const dot = toDot(edges)
  assert.ok(!RAW.test(dot), dot)
  assert.ok(dot.includes('nul\\\\x00esc\\\\x1B[2J \\"q\\" <script>&amp;#0;'), dot)
  const mermaid = toMermaid(edges)
  assert.ok(!RAW.test(mermaid), mermaid)
  assert.ok(!/<script>|&#0;|`md`|[^#]"q"/.test(mermaid), mermaid)
  assert.ok(mermaid.includes('#60;script#62;') && mermaid.includes('#35;quot;') && mermaid.includes('#96;md#96;'), mermaid)
  assert.equal(mermaid.split('\n').filter((l) => l.includes('-->')).length, 2, 'a newline in a name is no new edge')
})

test('SVG and PNG render with a NUL, an escape and an entity in names (these answered 500 before)', async () => {
  const r = createImageRenderer()
  const svg = await r.svg(toDot(edges))
  assert.match(svg, /^<\?xml[\s\S]*<\/svg>\s*$/)
  assert.ok(!RAW.test(svg))
  assert.ok(!svg.includes('<script>'))
  assert.ok(svg.includes('nul\\x00esc\\x1B[2J'), 'the name is shown, escaped')
  const png = await r.png(toDot(edges))
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
})
