/**
 * Packed history (mapper/store/history.ts): counts per facet in hourly buckets, rolled up into days
 * past the hourly horizon, pruned by retention, merged on renames; and what a month of it costs.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DAY_MS, History } from '../../../mapper/store/history.js'
import { HOUR_MS, facetKey } from '../../../mapper/store/call.js'

const T = Date.parse('2026-11-01T00:00:00Z')
const tcp = facetKey('tcp', { port: 8080, protocol: 'TCP' })
const dns = facetKey('dns', undefined)

function counts (h: History, since?: number, until?: number): Record<string, number> {
  const out: Record<string, number> = {}
  h.forEach(since, until, (_f, _l, data, off) => {
    h.facets.forEach((facet, c) => { out[facet] = (out[facet] ?? 0) + (data[off + c] as number) })
  })
  return out
}

test('hourly buckets in order, whatever order the calls come in; totals per facet', () => {
  const h = new History()
  for (const hour of [5, 1, 3, 1, 5, 0]) h.add(tcp, T + hour * HOUR_MS + 10, T + hour * HOUR_MS + 20, 2, 0)
  h.add(dns, T + 3 * HOUR_MS, T + 3 * HOUR_MS, 7, 0)
  assert.equal(h.hours.length, 4)
  const periods: number[] = []
  h.hours.forEach(h.facets.length, undefined, undefined, (first) => periods.push(Math.floor(first / HOUR_MS)))
  assert.deepEqual(periods, [0, 1, 3, 5].map((x) => T / HOUR_MS + x))
  assert.deepEqual(counts(h), { [tcp]: 12, [dns]: 7 })
  assert.deepEqual(h.totals, [12, 7])
  assert.deepEqual(counts(h, T + 2 * HOUR_MS, T + 4 * HOUR_MS), { [tcp]: 2, [dns]: 7 }, 'hour 3 only')
  assert.deepEqual(counts(h, T, T + HOUR_MS + 15), { [tcp]: 6, [dns]: 0 }, 'hours 0 and 1: a dns column with no count there')
})

test('a roll-up moves hours past the horizon into their day and keeps every count and time', () => {
  const h = new History()
  for (let hour = 0; hour < 72; hour++) h.add(tcp, T + hour * HOUR_MS + 1000, T + hour * HOUR_MS + 5000, 1, 0)
  assert.equal(h.hours.length, 72)
  const moved = h.rollUp(T + 48 * HOUR_MS)
  assert.equal(moved, 48)
  assert.equal(h.hours.length, 24)
  assert.equal(h.days.length, 2)
  assert.deepEqual(counts(h), { [tcp]: 72 })
  let firstDay = -1
  let lastOfDay0 = -1
  h.days.forEach(1, undefined, undefined, (first, last) => { if (firstDay === -1) { firstDay = first; lastOfDay0 = last } })
  assert.equal(firstDay, T + 1000, 'the day starts at its first call')
  assert.equal(lastOfDay0, T + 23 * HOUR_MS + 5000, 'and ends at its last')
  // A window inside day 0 is answered by the whole day (day precision past the horizon).
  assert.deepEqual(counts(h, T + 2 * HOUR_MS, T + 3 * HOUR_MS), { [tcp]: 24 })
  // Calls older than the horizon go straight to their day.
  h.add(tcp, T + 100, T + 200, 5, T + 48 * HOUR_MS)
  assert.equal(h.days.length, 2)
  assert.deepEqual(counts(h), { [tcp]: 77 })
})

test('retention prunes whole periods and keeps totals equal to what is left; an empty history says so', () => {
  const h = new History()
  for (let day = 0; day < 10; day++) h.add(tcp, T + day * DAY_MS, T + day * DAY_MS + HOUR_MS, 3, T + 100 * DAY_MS)
  assert.equal(h.days.length, 10)
  assert.equal(h.prune(T + 4 * DAY_MS), true)
  assert.equal(h.days.length, 6)
  assert.deepEqual(h.totals, [18])
  assert.equal(h.prune(T + 11 * DAY_MS), false)
})

test('a new facet widens every bucket without moving counts; merging another history adds its counts', () => {
  const h = new History()
  h.add(tcp, T, T, 4, 0)
  h.add(tcp, T + 2 * HOUR_MS, T + 2 * HOUR_MS, 1, 0)
  const udp = facetKey('udp', { port: 53, protocol: 'UDP' })
  h.add(udp, T + 2 * HOUR_MS, T + 2 * HOUR_MS, 9, 0)
  assert.deepEqual(counts(h, T, T), { [tcp]: 4, [udp]: 0 })
  assert.deepEqual(counts(h, T + HOUR_MS, undefined), { [tcp]: 1, [udp]: 9 })
  const other = new History()
  other.add(dns, T + HOUR_MS, T + HOUR_MS, 2, 0)
  other.add(tcp, T, T, 6, 0)
  h.mergeFrom(other, 0)
  assert.deepEqual(counts(h), { [tcp]: 11, [udp]: 9, [dns]: 2 })
  assert.deepEqual(counts(h, T, T), { [tcp]: 10, [udp]: 0, [dns]: 0 })
})

test('a month of hourly activity, rolled up, is 48 hourly and 30 daily buckets: under 2 KB with three facets', () => {
  const h = new History()
  const now = T + 30 * DAY_MS
  const f3 = [tcp, dns, facetKey('tcp', { port: 9090, protocol: 'TCP' })]
  for (let hour = 0; hour < 30 * 24; hour++) {
    for (const f of f3) h.add(f, T + hour * HOUR_MS, T + hour * HOUR_MS + 60_000, 1, now - 48 * HOUR_MS)
  }
  h.rollUp(now - 48 * HOUR_MS)
  assert.equal(h.hours.length, 48)
  assert.equal(h.days.length, 28)
  assert.ok(h.bytes < 2048, `${h.bytes} bytes`)
  assert.deepEqual(h.totals, [720, 720, 720])
})
