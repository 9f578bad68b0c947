import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDatagram, decodeIpUdp } from '../../../sniffer/capture/ip-udp.js'
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../../sniffer/capture/link-layer.js'
import { ipText } from '../../../sniffer/capture/address-intern.js'
import { ipv4, ipv6, tcp, udp } from './frames.js'

const payload = Buffer.from('0123456789abcdef')

function decode (packet: Buffer, etherType = packet[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, length = packet.length) {
  const out = createDatagram()
  const reason = decodeIpUdp(packet, length, 0, etherType, out)
  // The addresses as the decoder's callers read them, at the offsets it found.
  const text = reason === null ? { srcIp: ipText(packet, out.srcIpOffset, out.family), dstIp: ipText(packet, out.dstIpOffset, out.family) } : { srcIp: '', dstIp: '' }
  return { reason, out: { ...out, ...text } }
}

test('IPv4/UDP: addresses, ports and payload position', () => {
  const { reason, out } = decode(ipv4({ src: '10.250.0.1', dst: '10.250.0.2' }, udp(53, 41234, payload)))
  assert.equal(reason, null)
  assert.deepEqual(out, { family: 4, protocol: 17, seq: 0, tcpFlags: 0, srcIp: '10.250.0.1', dstIp: '10.250.0.2', srcIpOffset: 12, dstIpOffset: 16, srcPort: 53, dstPort: 41234, payloadOffset: 28, payloadLength: 16 })
})

test('IPv4 with options: the payload starts after IHL*4 bytes', () => {
  const options = Buffer.from([0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]) // router alert, NOPs, EOL
  const { reason, out } = decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options }, udp(53, 5353, payload)))
  assert.equal(reason, null)
  assert.equal(out.payloadOffset, 28 + 8)
  assert.equal(out.payloadLength, 16)
})

test('IPv4 Ethernet padding after the total length is ignored', () => {
  const packet = Buffer.concat([ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp(53, 5353, Buffer.alloc(2))), Buffer.alloc(16, 0xee)])
  const { reason, out } = decode(packet)
  assert.equal(reason, null)
  assert.equal(out.payloadLength, 2)
})

test('IPv4 fragments are skipped: first fragment (MF) and later ones (offset)', () => {
  assert.equal(decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', moreFragments: true }, udp(53, 1, payload))).reason, 'fragment')
  assert.equal(decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', fragmentOffset: 185 }, payload)).reason, 'fragment')
})

test('IPv4 headers that lie about their lengths are skipped with a reason', () => {
  const src = '10.0.0.1'
  const dst = '10.0.0.2'
  assert.equal(decode(ipv4({ src, dst, totalLengthOverride: 200 }, udp(53, 1, payload))).reason, 'bad-ip-length')
  assert.equal(decode(ipv4({ src, dst, totalLengthOverride: 19 }, udp(53, 1, payload))).reason, 'bad-ip-length')
  assert.equal(decode(ipv4({ src, dst, ihlOverride: 4 }, udp(53, 1, payload))).reason, 'bad-ip-header')
  assert.equal(decode(ipv4({ src, dst, ihlOverride: 15 }, udp(53, 1, payload))).reason, 'bad-ip-length')
  assert.equal(decode(ipv4({ src, dst }, udp(53, 1, payload, 100))).reason, 'bad-udp-length')
  assert.equal(decode(ipv4({ src, dst }, udp(53, 1, payload, 7))).reason, 'bad-udp-length')
  assert.equal(decode(ipv4({ src, dst }, Buffer.alloc(4))).reason, 'bad-udp-length')
  // An IPv6 packet behind an IPv4 ethertype.
  assert.equal(decode(ipv6({ src: '::1', dst: '::2' }, udp(53, 1, payload)), ETHERTYPE_IPV4).reason, 'bad-ip-header')
})

test('IPv4/TCP: ports, sequence, flags and payload; a lying data offset is bad-tcp-header; other protocols not-udp', () => {
  const { reason, out } = decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, tcp(53, 40001, 0xfffffff0, 0x18, payload)))
  assert.equal(reason, null)
  assert.deepEqual(out, { family: 4, protocol: 6, seq: 0xfffffff0, tcpFlags: 0x18, srcIp: '10.0.0.1', dstIp: '10.0.0.2', srcIpOffset: 12, dstIpOffset: 16, srcPort: 53, dstPort: 40001, payloadOffset: 40, payloadLength: 16 })
  const lying = tcp(53, 1, 1, 0x10)
  lying[12] = 15 << 4 // 60-byte header in a 20-byte segment
  assert.equal(decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, lying)).reason, 'bad-tcp-header')
  assert.equal(decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, Buffer.alloc(10))).reason, 'bad-tcp-header')
  assert.equal(decode(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1 }, Buffer.alloc(8))).reason, 'not-udp')
})

test('IPv6/UDP: compressed canonical addresses', () => {
  const { reason, out } = decode(ipv6({ src: 'fd00:0:0:0:0:0:0:53', dst: '2001:db8:0:0:1:0:0:1' }, udp(53, 40000, payload)))
  assert.equal(reason, null)
  assert.deepEqual(out, { family: 6, protocol: 17, seq: 0, tcpFlags: 0, srcIp: 'fd00::53', dstIp: '2001:db8::1:0:0:1', srcIpOffset: 8, dstIpOffset: 24, srcPort: 53, dstPort: 40000, payloadOffset: 48, payloadLength: 16 })
})

test('IPv6 hop-by-hop, routing and destination-options headers are skipped over', () => {
  const hbh = { type: 0, body: Buffer.from([0, 0, 1, 4, 0, 0, 0, 0]) } // PadN: 8 bytes
  const dst = { type: 60, body: Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(14)]) } // 16 bytes
  const routing = { type: 43, body: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]) }
  const { reason, out } = decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', extensions: [hbh, routing, dst] }, udp(53, 1000, payload)))
  assert.equal(reason, null)
  assert.equal(out.payloadOffset, 40 + 8 + 8 + 16 + 8)
  assert.equal(out.payloadLength, 16)
  assert.equal(out.dstPort, 1000)
})

test('IPv6 fragment header, TCP, lying lengths', () => {
  const frag = { type: 44, body: Buffer.alloc(8) }
  assert.equal(decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', extensions: [frag] }, udp(53, 1, payload))).reason, 'fragment')
  const syn = decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 6 }, tcp(40000, 8080, 7, 0x02)))
  assert.equal(syn.reason, null)
  assert.equal(syn.out.protocol, 6)
  assert.equal(syn.out.tcpFlags, 0x02)
  assert.equal(syn.out.payloadLength, 0)
  assert.equal(decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 59 }, Buffer.alloc(4))).reason, 'not-udp')
  assert.equal(decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', payloadLengthOverride: 500 }, udp(53, 1, payload))).reason, 'bad-ip-length')
  const longExt = { type: 60, body: Buffer.from([0, 200, 0, 0, 0, 0, 0, 0]) }
  assert.equal(decode(ipv6({ src: 'fd00::1', dst: 'fd00::2', extensions: [longExt] }, udp(53, 1, payload))).reason, 'bad-ip-length')
})

test('IPv4-mapped IPv6 addresses come out as IPv4', () => {
  const { out } = decode(ipv6({ src: '::ffff:10.1.2.3', dst: '::ffff:10.1.2.4' }, udp(53, 1000, payload)))
  assert.equal(out.srcIp, '10.1.2.3')
  assert.equal(out.dstIp, '10.1.2.4')
})

test('every truncation of a valid packet is skipped, never throws', () => {
  const packets = [
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options: Buffer.from([1, 1, 1, 0]) }, udp(53, 1, payload)),
    ipv6({ src: 'fd00::1', dst: 'fd00::2', extensions: [{ type: 0, body: Buffer.alloc(8) }] }, udp(53, 1, payload))
  ]
  for (const packet of packets) {
    for (let length = 0; length < packet.length; length++) {
      const viaLength = decode(packet, undefined, length).reason
      const viaBuffer = decode(packet.subarray(0, length), packet[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4).reason
      assert.notEqual(viaLength, null, `length ${length}`)
      assert.equal(viaBuffer, viaLength)
    }
    assert.equal(decode(packet).reason, null)
  }
})
