import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Collector } from '../../sniffer/collector.js'

const dns = (client: string, name: string, answers: string[], at: number, ttl = 30) => ({ client, name, answers, ttl, at })

test('DNS records: one per client, name and answer set (in any order); counts, times and the smallest TTL kept', () => {
  const c = new Collector(100, () => assert.fail('nothing dropped'))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.1', '192.0.2.2'], 1000))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.2', '192.0.2.1'], 3000, 20))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.1'], 2000))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.1', '192.0.2.3'], 2000))
  c.addDns(dns('10.0.0.2', 'a.example', ['192.0.2.1', '192.0.2.2'], 2000))
  c.addDns(dns('10.0.0.1', 'b.example', ['192.0.2.1', '192.0.2.2'], 2000))
  assert.equal(c.size, 5)
  const { dns: records } = c.drain()
  assert.equal(records.length, 5)
  const pair = records.find((r) => r.client === '10.0.0.1' && r.name === 'a.example' && r.answers.length === 2 && r.answers.includes('192.0.2.2'))
  assert.deepEqual(pair, { client: '10.0.0.1', name: 'a.example', answers: ['192.0.2.1', '192.0.2.2'], ttl: 20, firstSeen: 1000, lastSeen: 3000, count: 2 })
  assert.equal(c.size, 0)
  assert.deepEqual(c.drain(), { dns: [], sockets: [] })
})

test('a record keeps its own copy of the answers (the decoder\'s array is not kept)', () => {
  const c = new Collector(100, () => {})
  const answers = ['192.0.2.1']
  c.addDns(dns('10.0.0.1', 'a.example', answers, 1000))
  answers[0] = '198.51.100.1'
  assert.deepEqual(c.drain().dns[0]?.answers, ['192.0.2.1'])
})

test('past the bound, new keys are dropped and counted; known keys still count', () => {
  const drops: Array<[string, number]> = []
  const c = new Collector(2, (reason, n) => drops.push([reason, n]))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.1'], 1))
  c.addSession({ client: '10.0.0.1', server: '10.0.0.9', port: 80, protocol: 'TCP' }, 1)
  c.addDns(dns('10.0.0.1', 'b.example', ['192.0.2.1'], 2))
  c.addDns(dns('10.0.0.1', 'a.example', ['192.0.2.1'], 3))
  assert.deepEqual(drops, [['collector-full', 1]])
  const batch = c.drain()
  assert.equal(batch.dns.length, 1)
  assert.equal(batch.dns[0]?.count, 2)
  assert.equal(batch.sockets.length, 1)
})
