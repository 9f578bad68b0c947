/** Caps on the map's growth: external names aggregated, then dropped; new edges dropped; per node and in total (resolve/call-caps.ts). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CallCaps, aggregateName, type CapReason } from '../../../mapper/resolve/call-caps.js'
import type { Call } from '../../../mapper/store/call.js'

const client = (name: string) => ({ kind: 'Deployment', namespace: 'shop', name })
const call = (from: string, to: string, kind = 'External'): Call => ({ client: client(from), server: kind === 'External' ? { kind, name: to } : { kind, namespace: 'shop', name: to }, evidence: 'dns', addresses: ['198.51.100.1'], first: 0, last: 0, count: 1 })

function caps (limits: Partial<ConstructorParameters<typeof CallCaps>[0]> = {}) {
  const counted = new Map<CapReason, number>()
  const c = new CallCaps({ maxEdges: 1000, maxEdgesPerNode: 1000, maxExternalNames: 1000, maxExternalNamesPerNode: 1000, ...limits }, (r, n) => counted.set(r, (counted.get(r) ?? 0) + n))
  return { c, counted }
}

test('aggregate names: the registrable domain (public suffix list) or the /24 and /48', () => {
  assert.equal(aggregateName('a1.cdn.example.com'), '*.example.com')
  assert.equal(aggregateName('x.y.example.co.uk'), '*.example.co.uk')
  assert.equal(aggregateName('example.com'), '*.example.com')
  assert.equal(aggregateName('203.0.113.77'), '203.0.113.0/24')
  assert.equal(aggregateName('2001:db8:aa:bb::1'), '2001:db8:aa::/48')
  assert.equal(aggregateName('2001:db8::1'), '2001:db8::/48')
})

test('past the per-node and total name caps new names are aggregated, past the aggregate cap dropped; known names always pass', () => {
  const { c, counted } = caps({ maxExternalNames: 4, maxExternalNamesPerNode: 2 })
  const names = (calls: Call[]) => calls.map((x) => x.server.name)
  assert.deepEqual(names(c.admit([call('a', 'x1.one.example'), call('a', 'x2.one.example'), call('a', 'x3.one.example')], 'node-a')), ['x1.one.example', 'x2.one.example', '*.one.example'])
  assert.equal(counted.get('external-name-aggregated-node'), 1)
  assert.deepEqual(names(c.admit([call('a', 'y1.two.example'), call('a', 'y2.two.example'), call('a', 'y3.two.example')], 'node-b')), ['y1.two.example', 'y2.two.example', '*.two.example'])
  assert.equal(counted.get('external-name-aggregated-total'), 1, 'four names: the total cap, before node-b\'s own')
  assert.deepEqual(names(c.admit([call('a', 'x1.one.example'), call('b', 'x1.one.example')], 'node-c')), ['x1.one.example', 'x1.one.example'], 'a known name is not new')
  const aggregated = c.admit([call('a', 'z.three.example')], 'node-c')[0]
  assert.equal(aggregated?.addresses, undefined, 'an aggregate keeps no addresses')
  for (let i = 0; i < 3; i++) c.admit([call('a', `w.d${i}.example`)], 'node-c')
  assert.equal(c.admit([call('a', 'v.d9.example')], 'node-c').length, 0)
  assert.ok((counted.get('external-aggregate-dropped') ?? 0) >= 1)
})

test('past the edge caps a new edge is dropped (per node, then in total), an existing one still counts; load() rebuilds the tally', () => {
  const { c, counted } = caps({ maxEdges: 5, maxEdgesPerNode: 3 })
  const svc = (i: number) => call('a', `svc${i}`, 'Deployment')
  assert.equal(c.admit([svc(1), svc(2), svc(3), svc(4)], 'node-a').length, 3)
  assert.equal(counted.get('edge-dropped-node'), 1)
  assert.equal(c.admit([svc(1), svc(1)], 'node-a').length, 2, 'calls on edges already there pass')
  assert.equal(c.admit([svc(5), svc(6), svc(7)], 'node-b').length, 2)
  assert.equal(counted.get('edge-dropped-total'), 1)
  c.load([{ client: client('a'), server: { kind: 'Deployment', namespace: 'shop', name: 'svc1' } }])
  assert.equal(c.size, 1)
  assert.equal(c.admit([svc(8), svc(9), svc(10)], 'node-a').length, 3, 'after the map shrank, room again')
})
