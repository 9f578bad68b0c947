import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ipText, ipv4Text, ipv6Text } from '../../../sniffer/capture/address-intern.js'
import { formatIpv4, formatIpv6 } from '../../../sniffer/capture/ip-format.js'
import { ipv4Bytes, ipv6Bytes } from './frames.js'

test('the same address bytes give the same string, formatted as ip-format does', () => {
  const a = Buffer.concat([Buffer.from([9, 9]), ipv4Bytes('10.96.0.10')])
  assert.equal(ipv4Text(a, 2), '10.96.0.10')
  assert.ok(Object.is(ipv4Text(a, 2), ipv4Text(Buffer.from(a), 2)))
  const b = ipv6Bytes('2001:db8::1:0:0:1')
  assert.equal(ipv6Text(b, 0), '2001:db8::1:0:0:1')
  assert.equal(ipText(ipv6Bytes('::ffff:10.1.2.3'), 0, 6), '10.1.2.3')
  assert.equal(ipText(a, 2, 4), '10.96.0.10')
})

test('past the table bound, and for addresses whose folds may collide, every text is still right', () => {
  const buf = Buffer.alloc(16)
  for (let i = 0; i < 20_000; i++) {
    buf.writeUInt32BE((0x0a000000 + i * 7919) >>> 0, 0)
    assert.equal(ipv4Text(buf, 0), formatIpv4(buf, 0))
    buf.writeUInt32BE(0x20010db8, 0)
    buf.writeUInt32BE(i, 8)
    buf.writeUInt32BE((i * 2654435761) >>> 0, 12)
    assert.equal(ipv6Text(buf, 0), formatIpv6(buf, 0))
  }
})
