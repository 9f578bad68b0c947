import { test } from 'node:test'
import assert from 'node:assert/strict'
import dnsPacket from 'dns-packet'
import { DNS_ERROR_REASONS, decodeDnsResponse, MAX_CNAME_CHAIN } from '../../../sniffer/dns/decode-response.js'

type Answer = dnsPacket.Answer

function response (name: string, answers: Answer[], extra: Partial<dnsPacket.Packet> & { rcode?: string } = {}): Buffer {
  const { rcode, ...rest } = extra
  const packet = { type: 'response' as const, id: 4242, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [{ type: 'A' as const, name }], answers, ...rest }
  const buf = dnsPacket.encode(packet)
  if (rcode === 'NXDOMAIN') buf[3] = (buf[3]! & 0xf0) | 3
  if (rcode === 'SERVFAIL') buf[3] = (buf[3]! & 0xf0) | 2
  return buf
}

const a = (name: string, data: string, ttl = 30): Answer => ({ type: 'A', name, data, ttl })
const aaaa = (name: string, data: string, ttl = 30): Answer => ({ type: 'AAAA', name, data, ttl })
const cname = (name: string, data: string, ttl = 30): Answer => ({ type: 'CNAME', name, data, ttl })

test('A response: question name lowercased, addresses deduped, minimal TTL', () => {
  const buf = response('Web.Shop.SVC.cluster.local', [a('web.shop.svc.cluster.local', '10.96.0.10', 30), a('web.shop.svc.cluster.local', '10.96.0.11', 5), a('web.shop.svc.cluster.local', '10.96.0.10', 30)])
  assert.deepEqual(decodeDnsResponse(buf), { name: 'web.shop.svc.cluster.local', answers: ['10.96.0.10', '10.96.0.11'], ttl: 5 })
})

test('AAAA response: addresses in canonical compressed form', () => {
  const buf = response('db.example', [aaaa('db.example', 'fd00:0:0:0:0:0:0:a'), aaaa('db.example', '2001:db8:0:0:1:0:0:1')])
  assert.deepEqual(decodeDnsResponse(buf), { name: 'db.example', answers: ['fd00::a', '2001:db8::1:0:0:1'], ttl: 30 })
})

test('a mapped IPv6 answer is given as IPv4', () => {
  const buf = response('m.example', [aaaa('m.example', '::ffff:10.9.8.7')])
  assert.deepEqual(decodeDnsResponse(buf), { name: 'm.example', answers: ['10.9.8.7'], ttl: 30 })
})

test('CNAME chain in shuffled order is followed to the addresses; TTL is the chain minimum', () => {
  const records = [
    a('edge.cdn.example', '192.0.2.7', 60),
    cname('alias.example', 'www.example', 300),
    a('unrelated.example', '198.51.100.1', 1),
    cname('www.example', 'edge.cdn.example', 20),
    a('edge.cdn.example', '192.0.2.8', 90)
  ]
  assert.deepEqual(decodeDnsResponse(response('Alias.Example', records)), { name: 'alias.example', answers: ['192.0.2.7', '192.0.2.8'], ttl: 20 })
})

test('CNAME loops and over-long chains are rejected, not followed forever', () => {
  assert.equal(decodeDnsResponse(response('x.example', [cname('x.example', 'y.example'), cname('y.example', 'x.example')])), 'cname-loop')
  assert.equal(decodeDnsResponse(response('self.example', [cname('self.example', 'self.example')])), 'cname-loop')
  const chain = (n: number) => {
    const records: Answer[] = []
    for (let i = 0; i < n; i++) records.push(cname(`c${i}.example`, `c${i + 1}.example`))
    records.push(a(`c${n}.example`, '192.0.2.1'))
    return response('c0.example', records.reverse())
  }
  assert.deepEqual(decodeDnsResponse(chain(MAX_CNAME_CHAIN)), { name: 'c0.example', answers: ['192.0.2.1'], ttl: 30 })
  assert.equal(decodeDnsResponse(chain(MAX_CNAME_CHAIN + 1)), 'cname-chain-too-long')
})

test('dangling CNAME and answers for another name carry no address', () => {
  assert.equal(decodeDnsResponse(response('d.example', [cname('d.example', 'gone.example')])), 'no-address')
  assert.equal(decodeDnsResponse(response('q.example', [a('other.example', '192.0.2.1')])), 'no-address')
  assert.equal(decodeDnsResponse(response('nodata.example', [])), 'no-address')
  assert.equal(decodeDnsResponse(response('mx.example', [{ type: 'MX', name: 'mx.example', ttl: 5, data: { preference: 1, exchange: 'mail.example' } }])), 'no-address')
})

test('NXDOMAIN and other rcodes are reasons, not errors', () => {
  const nx = decodeDnsResponse(response('missing.default.svc.cluster.local', [], { rcode: 'NXDOMAIN', authorities: [] }))
  assert.equal(nx, 'nxdomain')
  assert.equal(DNS_ERROR_REASONS.has(nx as 'nxdomain'), false)
  assert.equal(decodeDnsResponse(response('x.example', [a('x.example', '192.0.2.1')], { rcode: 'SERVFAIL' })), 'rcode')
})

test('a query (QR=0) is not a response', () => {
  const query = dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'x.example' }] })
  assert.equal(decodeDnsResponse(query), 'not-response')
})

test('no question is its own reason', () => {
  const buf = dnsPacket.encode({ type: 'response', id: 1, questions: [], answers: [a('x.example', '192.0.2.1')] })
  assert.equal(decodeDnsResponse(buf), 'no-question')
})

test('decodes a message inside a larger reused buffer, honouring offset and length', () => {
  const message = response('x.example', [a('x.example', '192.0.2.1')])
  const big = Buffer.alloc(message.length + 100, 0xab)
  message.copy(big, 42)
  assert.deepEqual(decodeDnsResponse(big, 42, message.length), { name: 'x.example', answers: ['192.0.2.1'], ttl: 30 })
})

test('every truncation of a response is malformed (or a header-only reason), never a throw', () => {
  const message = response('chain.example', [cname('chain.example', 'target.example'), a('target.example', '192.0.2.1'), aaaa('target.example', 'fd00::1')])
  const big = Buffer.alloc(message.length + 64, 0xff) // garbage after the cut must not be read
  message.copy(big)
  for (let length = 0; length < message.length; length++) {
    const result = decodeDnsResponse(big, 0, length)
    assert.equal(typeof result, 'string', `length ${length}`)
    assert.equal(decodeDnsResponse(message.subarray(0, length)), result)
  }
  assert.deepEqual(decodeDnsResponse(big, 0, message.length), { name: 'chain.example', answers: ['192.0.2.1', 'fd00::1'], ttl: 30 })
})

test('random bytes behind a valid response header never throw', () => {
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.alloc(12 + (i % 200))
    for (let j = 0; j < buf.length; j++) buf[j] = (i * 7919 + j * 104729) & 0xff
    buf[2] = 0x81; buf[3] = 0x80; buf[5] = 1; buf[7] = 2
    const result = decodeDnsResponse(buf)
    assert.ok(typeof result === 'string' || Array.isArray(result.answers))
  }
})

test('TC set (a UDP answer cut short) is skipped as truncated, not decoded and not an error', () => {
  const buf = response('tc.example', [a('tc.example', '192.0.2.1')])
  buf[2] = buf[2]! | 0x02
  assert.equal(decodeDnsResponse(buf), 'truncated')
  assert.equal(DNS_ERROR_REASONS.has('truncated'), false)
})

test('compression pointer loops end as malformed', () => {
  const buf = response('loop.example', [a('loop.example', '192.0.2.1')])
  // Point the question name at itself.
  buf[12] = 0xc0
  buf[13] = 12
  assert.equal(decodeDnsResponse(buf), 'malformed')
})

test('names are made once and handed out again, and never mixed up when their table slots collide', () => {
  const first = decodeDnsResponse(response('Web.Shop.svc.cluster.local', [a('web.shop.svc.cluster.local', '10.96.0.1')]))
  const again = decodeDnsResponse(response('web.shop.svc.cluster.local', [a('web.shop.svc.cluster.local', '10.96.0.1')]))
  assert.ok(typeof first !== 'string' && typeof again !== 'string')
  assert.ok(Object.is(first.name, again.name))
  // Far more names than table slots, twice over: every one decodes to itself.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 6000; i++) {
      const name = `svc-${i}.ns-${i % 13}.svc.cluster.local`
      const r = decodeDnsResponse(response(name, [cname(name, `t-${i}.example`), a(`t-${i}.example`, '192.0.2.1')]))
      assert.ok(typeof r !== 'string' && r.name === name, `${name}: ${JSON.stringify(r)}`)
    }
  }
})
