import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createHeapKeeper } from '../../sniffer/heap-keeper.js'

test('collects only once the heap has grown by the headroom since the last collection', () => {
  let heap = 10
  const calls: unknown[] = []
  const keeper = createHeapKeeper(4, () => { calls.push('gc'); heap = 11 }, () => heap)
  assert.equal(keeper.enabled, true)
  heap = 13
  assert.equal(keeper.check(), false)
  heap = 14
  assert.equal(keeper.check(), true)
  assert.deepEqual(calls, ['gc'])
  heap = 14 // 11 after the collection: 3 of growth
  assert.equal(keeper.check(), false)
  heap = 15
  assert.equal(keeper.check(), true)
  assert.equal(calls.length, 2)
})

test('without --expose-gc it is disabled and never collects', () => {
  const keeper = createHeapKeeper(0, undefined, () => 1e9)
  assert.equal(keeper.enabled, false)
  assert.equal(keeper.check(), false)
})

test('with V8\'s own gc, a collection brings the heap back down', () => {
  // The test runner has no --expose-gc: expose it for a fresh context, as node's v8 docs show.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => unknown
  const keeper = createHeapKeeper(1 << 20, gc)
  let garbage: unknown[] = []
  for (let i = 0; i < 300_000; i++) garbage.push({ i, s: `item ${i}` })
  const before = process.memoryUsage().heapUsed
  garbage = []
  assert.equal(keeper.check(), true)
  assert.equal(garbage.length, 0)
  assert.ok(process.memoryUsage().heapUsed < before - (5 << 20), `heap ${before} -> ${process.memoryUsage().heapUsed}`)
})

test('a failed memory reading (EMFILE at fd exhaustion) skips the check instead of throwing out of the timer (issue #17)', () => {
  let fail = false
  let heap = 10
  const calls: unknown[] = []
  const keeper = createHeapKeeper(4, () => { calls.push('gc') }, () => { if (fail) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }); return heap })
  fail = true
  heap = 100
  assert.equal(keeper.check(), false)
  assert.deepEqual(calls, [])
  fail = false
  assert.equal(keeper.check(), true)
})
