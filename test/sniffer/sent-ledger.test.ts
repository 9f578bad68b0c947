/**
 * Delta reporting (issue #12) on the ledger alone, on a fake clock: what goes out when a key is new,
 * observed again, still observed at the refresh, gone, forgotten, or after a mapper restart.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SentLedger } from '../../sniffer/sent-ledger.js'
import type { Batch } from '../../sniffer/collector.js'
import type { DnsRecord, SocketRecord } from '../../src/contract/report.js'

const REFRESH = 60_000
const sock = (at: number, server = '10.0.0.2', count = 1): SocketRecord => ({ client: '10.0.0.1', server, port: 80, protocol: 'TCP', firstSeen: at, lastSeen: at, count })
const dns = (at: number): DnsRecord => ({ client: '10.0.0.1', name: 'api.example', answers: ['198.51.100.7'], ttl: 30, firstSeen: at, lastSeen: at, count: 1 })
const batch = (sockets: SocketRecord[], d: DnsRecord[] = []): Batch => ({ dns: d, sockets })

function ledger (maxKeys = 1000) {
  const forgotten: number[] = []
  const deferred: number[] = []
  const l = new SentLedger({ refreshMs: REFRESH, maxKeys, onForget: (n) => forgotten.push(n), onDefer: (n) => deferred.push(n) })
  return { l, forgotten, deferred }
}

test('first report: a new key goes out at once; observed again it waits for the refresh, which carries every observation since', () => {
  const { l, deferred } = ledger()
  assert.deepEqual(l.take(batch([sock(0)], [dns(0)]), 0), batch([sock(0)], [dns(0)]))
  // Every 5 s report for a minute: nothing goes out, the observations are folded.
  for (let t = 5_000; t < REFRESH; t += 5_000) assert.deepEqual(l.take(batch([sock(t)]), t), batch([]))
  assert.equal(deferred.reduce((a, b) => a + b, 0), 11)
  const refresh = l.take(batch([sock(REFRESH)]), REFRESH)
  assert.deepEqual(refresh.sockets, [{ ...sock(5_000), lastSeen: REFRESH, count: 12 }], 'count: observations since the last send; first and last seen of them')
  assert.deepEqual(refresh.dns, [], 'a DNS answer not seen again is not sent again')
})

test('counts add up to what sending every report would have sent; lastSeen reaches the mapper within one refresh', () => {
  const { l } = ledger()
  let sent = 0
  let last = 0
  for (let t = 0; t <= 10 * REFRESH; t += 5_000) {
    const out = l.take(batch([sock(t)]), t)
    for (const r of out.sockets) { sent += r.count; last = Math.max(last, r.lastSeen) }
    assert.ok(t - last <= REFRESH, `at ${t} the mapper's lastSeen is ${last}`)
  }
  const final = l.take(batch([]), 10 * REFRESH + 5_000, true)
  for (const r of final.sockets) sent += r.count
  assert.equal(sent, 10 * 12 + 1)
})

test('an observation folded when the session ends still goes out at the next refresh; then the key is let go', () => {
  const { l } = ledger()
  l.take(batch([sock(0)]), 0)
  l.take(batch([sock(10_000)]), 10_000) // the last scan that saw it
  assert.deepEqual(l.take(batch([]), 30_000).sockets, [])
  assert.deepEqual(l.take(batch([]), REFRESH).sockets, [sock(10_000)])
  assert.equal(l.size, 1)
  l.take(batch([]), 3 * REFRESH + 1)
  assert.equal(l.size, 0, 'not observed for two refresh intervals: let go')
  assert.deepEqual(l.take(batch([sock(4 * REFRESH)]), 4 * REFRESH).sockets, [sock(4 * REFRESH)], 'seen again later: new')
})

test('sniffer restart: a new ledger sends everything current at once, even what the old one sent a moment ago', () => {
  const before = ledger().l
  before.take(batch([sock(0)], [dns(0)]), 0)
  assert.deepEqual(before.take(batch([sock(5_000)]), 5_000), batch([]))
  const restarted = ledger().l
  assert.deepEqual(restarted.take(batch([sock(10_000)]), 10_000), batch([sock(10_000)]))
})

test('mapper restart: everything remembered goes out in the next take, folded observations with their count, the rest restated with count 0', () => {
  const { l } = ledger()
  l.take(batch([sock(0), sock(0, '10.0.0.3')], [dns(0)]), 0)
  l.take(batch([sock(5_000)]), 5_000)
  l.mapperRestarted()
  const out = l.take(batch([]), 6_000)
  assert.deepEqual(out.sockets.sort((a, b) => a.server.localeCompare(b.server)), [sock(5_000), { ...sock(0, '10.0.0.3'), count: 0 }])
  assert.deepEqual(out.dns, [{ ...dns(0), count: 0 }])
  // And then back to refreshing once per interval.
  assert.deepEqual(l.take(batch([sock(10_000)]), 10_000), batch([]))
})

test('bounded: past maxKeys the least recently observed keys are forgotten and counted; their folded observations go out, nothing is lost', () => {
  const { l, forgotten } = ledger(3)
  l.take(batch([sock(0, '10.0.0.2'), sock(0, '10.0.0.3'), sock(0, '10.0.0.4')]), 0)
  l.take(batch([sock(1_000, '10.0.0.2')]), 1_000) // .2 observed again: folded, and now the most recent
  const out = l.take(batch([sock(2_000, '10.0.0.5'), sock(2_000, '10.0.0.6')]), 2_000)
  assert.deepEqual(out.sockets.map((s) => s.server), ['10.0.0.5', '10.0.0.6'])
  assert.equal(l.size, 3)
  assert.deepEqual(forgotten, [2])
  const again = l.take(batch([sock(3_000, '10.0.0.3')]), 3_000)
  assert.deepEqual(again.sockets.map((s) => s.server), ['10.0.0.3', '10.0.0.2'], 'forgotten .3 is new again; forgetting .2 to make room sends what it had folded')
  assert.equal(again.sockets[1]?.count, 1)
})

test('records dropped from the retry buffer are forgotten: sent again as new when next observed', () => {
  const { l } = ledger()
  const first = l.take(batch([sock(0)]), 0)
  l.forget(first)
  assert.deepEqual(l.take(batch([sock(5_000)]), 5_000).sockets, [sock(5_000)])
})
