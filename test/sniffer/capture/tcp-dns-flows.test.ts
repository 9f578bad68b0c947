import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TcpDnsFlows, type TcpDnsDrop } from '../../../sniffer/capture/tcp-dns-flows.js'

const none = { syn: false, fin: false, rst: false }
const syn = { syn: true, fin: false, rst: false }
const fin = { syn: false, fin: true, rst: false }

function framed (...messages: string[]): Buffer {
  return Buffer.concat(messages.map((m) => { const b = Buffer.alloc(2 + m.length); b.writeUInt16BE(m.length); b.write(m, 2, 'latin1'); return b }))
}

function setup (options: { maxFlows?: number, idleMs?: number } = {}) {
  const messages: string[] = []
  const drops: TcpDnsDrop[] = []
  const flows = new TcpDnsFlows({ ...options, onMessage: (client, m) => messages.push(`${client} ${m.toString('latin1')}`), onDrop: (r) => drops.push(r) })
  return { flows, messages, drops }
}

test('a message split over three segments is reassembled; two in one segment are both delivered', () => {
  const { flows, messages, drops } = setup()
  const data = framed('hello world', 'second', 'third')
  flows.segment('10.0.0.2', 40000, 1000, syn, Buffer.alloc(0), 0)
  flows.segment('10.0.0.2', 40000, 1001, none, data.subarray(0, 1), 1)
  flows.segment('10.0.0.2', 40000, 1002, none, data.subarray(1, 6), 2)
  flows.segment('10.0.0.2', 40000, 1007, none, data.subarray(6), 3)
  assert.deepEqual(messages, ['10.0.0.2 hello world', '10.0.0.2 second', '10.0.0.2 third'])
  assert.deepEqual(drops, [])
})

test('the copy of a segment seen on a second interface, and retransmissions, are delivered once', () => {
  const { flows, messages } = setup()
  const data = framed('abcdef', 'ghi')
  flows.segment('fd00::2', 5, 1, syn, Buffer.alloc(0), 0)
  for (let i = 0; i < 2; i++) flows.segment('fd00::2', 5, 2, none, data.subarray(0, 5), 1) // twice
  flows.segment('fd00::2', 5, 4, none, data.subarray(2, 10), 2) // overlaps what was seen
  flows.segment('fd00::2', 5, 2, none, data, 3) // all of it again
  assert.deepEqual(messages, ['fd00::2 abcdef', 'fd00::2 ghi'])
})

test('a gap drops the partial message (counted) and reading resumes at the next message boundary it is given', () => {
  const { flows, messages, drops } = setup()
  const one = framed('0123456789')
  flows.segment('10.0.0.2', 1, 100, syn, Buffer.alloc(0), 0)
  flows.segment('10.0.0.2', 1, 101, none, one.subarray(0, 4), 1)
  flows.segment('10.0.0.2', 1, 108, none, framed('next'), 2) // bytes 105..107 never arrived
  assert.deepEqual(drops, ['tcp-gap'])
  assert.deepEqual(messages, ['10.0.0.2 next'])
})

test('sequence numbers wrap around 2^32', () => {
  const { flows, messages, drops } = setup()
  const data = framed('wrapping')
  flows.segment('10.0.0.2', 2, 0xfffffffd, syn, Buffer.alloc(0), 0)
  flows.segment('10.0.0.2', 2, 0xfffffffe, none, data.subarray(0, 4), 1)
  flows.segment('10.0.0.2', 2, 2, none, data.subarray(4), 2)
  assert.deepEqual(messages, ['10.0.0.2 wrapping'])
  assert.deepEqual(drops, [])
})

test('bounded: flows past maxFlows evict the least recently used (counted if it held a partial message); idle ones expire', () => {
  const { flows, messages, drops } = setup({ maxFlows: 2, idleMs: 1000 })
  const partial = framed('longer message').subarray(0, 5)
  flows.segment('10.0.0.1', 1, 10, none, partial, 0)
  flows.segment('10.0.0.2', 1, 10, none, partial, 1)
  flows.segment('10.0.0.3', 1, 10, none, partial, 2) // evicts 10.0.0.1
  assert.equal(flows.size, 2)
  assert.deepEqual(drops, ['tcp-flow-evicted'])
  flows.expire(1500) // 10.0.0.2 idle since 1, 10.0.0.3 since 2: both > 1000 ms
  assert.equal(flows.size, 0)
  assert.deepEqual(drops, ['tcp-flow-evicted', 'tcp-flow-expired', 'tcp-flow-expired'])
  assert.deepEqual(messages, [])
})

test('FIN with nothing pending and RST end the flow; a zero-length message is skipped', () => {
  const { flows, messages } = setup()
  flows.segment('10.0.0.2', 3, 1, none, Buffer.concat([Buffer.from([0, 0]), framed('x')]), 0)
  assert.deepEqual(messages, ['10.0.0.2 x'])
  flows.segment('10.0.0.2', 3, 6, fin, Buffer.alloc(0), 1)
  assert.equal(flows.size, 0)
  flows.segment('10.0.0.2', 4, 1, none, Buffer.from([0, 9, 1]), 2)
  assert.equal(flows.size, 1)
  flows.segment('10.0.0.2', 4, 4, { syn: false, fin: false, rst: true }, Buffer.alloc(0), 3)
  assert.equal(flows.size, 0)
})
