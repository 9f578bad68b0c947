import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SocketAddress } from 'node:net'
import fc from 'fast-check'
import { formatIpv4, formatIpv6, formatIpv6Groups } from '../../../sniffer/capture/ip-format.js'

test('IPv6 formatting matches node for known cases', () => {
  const cases: Array<[number[], string]> = [
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0xfd00, 0, 0, 0, 0, 0, 0, 1], 'fd00::1'],
    [[1, 0, 0, 2, 0, 0, 0, 3], '1:0:0:2::3'], // longest run wins
    [[1, 0, 0, 2, 0, 0, 3, 4], '1::2:0:0:3:4'], // first run on a tie
    [[1, 0, 2, 3, 4, 5, 6, 7], '1:0:2:3:4:5:6:7'], // a single zero group is not shortened
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], '2001:db8::'],
    [[0xabcd, 0xef, 1, 2, 3, 4, 5, 6], 'abcd:ef:1:2:3:4:5:6']
  ]
  for (const [groups, expected] of cases) assert.equal(formatIpv6Groups(groups), expected)
})

test('IPv4-mapped IPv6 is formatted as plain IPv4', () => {
  assert.equal(formatIpv6Groups([0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203]), '10.1.2.3')
  assert.equal(formatIpv4(Buffer.from([192, 168, 0, 255]), 0), '192.168.0.255')
})

test('IPv6 formatting agrees with node\'s SocketAddress on random addresses', () => {
  // Zero-heavy groups so that runs of zeros are common. Excluded: node's dotted forms (mapped, which
  // podmap turns into IPv4, and the deprecated IPv4-compatible ::a.b.c.d, which Go prints in hex).
  const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }))
  fc.assert(fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
    const buf = Buffer.alloc(16)
    groups.forEach((g, i) => buf.writeUInt16BE(g, 2 * i))
    const text = new SocketAddress({ address: groups.map((g) => g.toString(16)).join(':'), family: 'ipv6' }).address
    fc.pre(!text.includes('.'))
    assert.equal(formatIpv6(buf, 0), text)
  }), { numRuns: 5000 })
})
