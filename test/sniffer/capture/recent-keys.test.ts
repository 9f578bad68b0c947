import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RecentKeys } from '../../../sniffer/capture/recent-keys.js'

test('a key seen again within the window is a repeat; after the window it is new again', () => {
  const recent = new RecentKeys({ windowMs: 1000 })
  assert.equal(recent.check('a', 10_000), false)
  assert.equal(recent.check('a', 10_001), true)
  assert.equal(recent.check('b', 10_500), false)
  assert.equal(recent.check('a', 10_999), true)
  assert.equal(recent.check('a', 11_000), false) // window over: counted again
  assert.equal(recent.check('b', 11_499), true)
  assert.equal(recent.check('b', 11_500), false)
})

test('a repeat does not extend the window', () => {
  const recent = new RecentKeys({ windowMs: 100 })
  assert.equal(recent.check('k', 0), false)
  assert.equal(recent.check('k', 90), true)
  assert.equal(recent.check('k', 150), false)
})

test('size stays bounded: expired keys go, and the oldest is evicted at maxKeys', () => {
  const recent = new RecentKeys({ windowMs: 1000, maxKeys: 3 })
  recent.check('1', 0)
  recent.check('2', 1)
  recent.check('3', 2)
  assert.equal(recent.check('4', 3), false)
  assert.equal(recent.size, 3)
  assert.equal(recent.check('1', 4), false) // evicted, so new again
  assert.equal(recent.check('4', 5), true)
  recent.check('x', 5000)
  assert.equal(recent.size, 1)
})

test('a clock stepping backwards does not pin entries forever', () => {
  const recent = new RecentKeys({ windowMs: 1000 })
  recent.check('a', 50_000)
  assert.equal(recent.check('a', 40_000), false)
  assert.equal(recent.size, 1)
})
