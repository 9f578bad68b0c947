import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RecentKeys } from '../../../sniffer/capture/recent-keys.js'

/** Named keys for readability: 'a' -> (97, 0, 0). */
const check = (recent: RecentKeys, key: string, now: number): boolean => recent.check(key.charCodeAt(0), key.length, 0, now)

test('a key seen again within the window is a repeat; after the window it is new again', () => {
  const recent = new RecentKeys({ windowMs: 1000 })
  assert.equal(check(recent, 'a', 10_000), false)
  assert.equal(check(recent, 'a', 10_001), true)
  assert.equal(check(recent, 'b', 10_500), false)
  assert.equal(check(recent, 'a', 10_999), true)
  assert.equal(check(recent, 'a', 11_000), false) // window over: counted again
  assert.equal(check(recent, 'b', 11_499), true)
  assert.equal(check(recent, 'b', 11_500), false)
})

test('a repeat does not extend the window', () => {
  const recent = new RecentKeys({ windowMs: 100 })
  assert.equal(check(recent, 'k', 0), false)
  assert.equal(check(recent, 'k', 90), true)
  assert.equal(check(recent, 'k', 150), false)
})

test('size stays bounded: expired keys go, and the oldest is evicted at maxKeys', () => {
  const recent = new RecentKeys({ windowMs: 1000, maxKeys: 3 })
  check(recent, '1', 0)
  check(recent, '2', 1)
  check(recent, '3', 2)
  assert.equal(check(recent, '4', 3), false)
  assert.equal(recent.size, 3)
  assert.equal(check(recent, '1', 4), false) // evicted, so new again
  assert.equal(check(recent, '4', 5), true)
  check(recent, 'x', 5000)
  assert.equal(recent.size, 1)
})

test('a clock stepping backwards does not pin entries forever', () => {
  const recent = new RecentKeys({ windowMs: 1000 })
  check(recent, 'a', 50_000)
  assert.equal(check(recent, 'a', 40_000), false)
  assert.equal(recent.size, 1)
})

test('every word of the key counts, negative and 32-bit values included', () => {
  const recent = new RecentKeys()
  assert.equal(recent.check(0x0a000001, (53 << 16) | 7, 100, 0), false)
  assert.equal(recent.check(0x0a000001, (53 << 16) | 8, 100, 0), false)
  assert.equal(recent.check(0x0a000002, (53 << 16) | 7, 100, 0), false)
  assert.equal(recent.check(0x0a000001, (53 << 16) | 7, 101, 0), false)
  assert.equal(recent.check(0xffffffff, 0x80000000, -1, 0), false)
  assert.equal(recent.check(-1, -0x80000000, 0xffffffff, 0), true) // the same words, read as int32
  assert.equal(recent.check(0x0a000001, (53 << 16) | 7, 100, 0), true)
})

test('agrees with a plain model under random traffic, evictions and expiry (the index never loses a key)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.record({ key: fc.integer({ min: 0, max: 60 }), dt: fc.integer({ min: 0, max: 30 }) }), { maxLength: 400 }),
    (maxKeys, ops) => {
      const recent = new RecentKeys({ windowMs: 100, maxKeys })
      const model: Array<{ key: number, at: number }> = []
      let now = 0
      for (const { key, dt } of ops) {
        now += dt
        while (model.length > 0 && !(now - model[0]!.at < 100)) model.shift()
        const expected = model.some((e) => e.key === key)
        if (!expected) {
          if (model.length === maxKeys) model.shift()
          model.push({ key, at: now })
        }
        // Keys that share words, so that many land near each other in the index.
        assert.equal(recent.check(key & 7, key >> 3, 0, now), expected, `key ${key} at ${now}`)
        assert.equal(recent.size, model.length)
      }
    }
  ), { seed: 20261126, numRuns: 300 })
})
