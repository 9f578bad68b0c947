import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLinkResult, decodeLinkLayer, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkKind, PacketType, parseLinkType } from '../../../sniffer/capture/link-layer.js'
import { ethernet, ipv4, ipv6, sll, sll2, udp } from './frames.js'

const v4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp(53, 40000, Buffer.alloc(12)))
const v6 = ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp(53, 40000, Buffer.alloc(12)))

test('parseLinkType accepts what cap returns, bare names and numeric DLT values', () => {
  assert.equal(parseLinkType('ETHERNET'), LinkKind.ETHERNET)
  assert.equal(parseLinkType('LINKTYPE_LINUX_SLL'), LinkKind.LINUX_SLL) // cap's spelling
  assert.equal(parseLinkType('LINUX_SLL'), LinkKind.LINUX_SLL)
  assert.equal(parseLinkType('LINUX_SLL2'), LinkKind.LINUX_SLL2)
  assert.equal(parseLinkType('RAW'), LinkKind.RAW)
  assert.equal(parseLinkType('NULL'), LinkKind.NULL)
  assert.equal(parseLinkType('Unknown linktype 276'), LinkKind.LINUX_SLL2) // cap's default branch
  assert.equal(parseLinkType(1), LinkKind.ETHERNET)
  assert.equal(parseLinkType(113), LinkKind.LINUX_SLL)
  assert.equal(parseLinkType(276), LinkKind.LINUX_SLL2)
  assert.equal(parseLinkType(101), LinkKind.RAW)
  assert.equal(parseLinkType(12), LinkKind.RAW)
  assert.equal(parseLinkType('IEEE802_11_RADIO'), undefined)
  assert.equal(parseLinkType('Unknown linktype 147'), undefined)
  assert.equal(parseLinkType(105), undefined)
})

test('Ethernet: IP right after the 14-byte header, no packet type', () => {
  const out = createLinkResult()
  assert.equal(decodeLinkLayer(LinkKind.ETHERNET, ethernet(v4), 14 + v4.length, out), null)
  assert.deepEqual(out, { ipOffset: 14, etherType: ETHERTYPE_IPV4, packetType: PacketType.NONE })
  assert.equal(decodeLinkLayer(LinkKind.ETHERNET, ethernet(v6), 14 + v6.length, out), null)
  assert.deepEqual(out, { ipOffset: 14, etherType: ETHERTYPE_IPV6, packetType: PacketType.NONE })
})

test('Ethernet with an 802.1Q tag, and with a QinQ double tag', () => {
  const out = createLinkResult()
  const one = ethernet(v4, [{ tpid: 0x8100, vid: 42 }])
  assert.equal(decodeLinkLayer(LinkKind.ETHERNET, one, one.length, out), null)
  assert.equal(out.ipOffset, 18)
  assert.equal(out.etherType, ETHERTYPE_IPV4)
  const two = ethernet(v6, [{ tpid: 0x88a8, vid: 1 }, { tpid: 0x8100, vid: 42 }])
  assert.equal(decodeLinkLayer(LinkKind.ETHERNET, two, two.length, out), null)
  assert.equal(out.ipOffset, 22)
  assert.equal(out.etherType, ETHERTYPE_IPV6)
})

test('Ethernet carrying ARP is not IP', () => {
  const frame = ethernet(v4)
  frame.writeUInt16BE(0x0806, 12)
  assert.equal(decodeLinkLayer(LinkKind.ETHERNET, frame, frame.length, createLinkResult()), 'not-ip')
})

test('SLL: 16-byte header, packet type at 0, protocol at 14', () => {
  const out = createLinkResult()
  const frame = sll(PacketType.OUTGOING, v6)
  assert.equal(decodeLinkLayer(LinkKind.LINUX_SLL, frame, frame.length, out), null)
  assert.deepEqual(out, { ipOffset: 16, etherType: ETHERTYPE_IPV6, packetType: PacketType.OUTGOING })
})

test('SLL2: 20-byte header, protocol at 0, packet type at 10', () => {
  const out = createLinkResult()
  const frame = sll2(PacketType.OTHERHOST, v4)
  assert.equal(decodeLinkLayer(LinkKind.LINUX_SLL2, frame, frame.length, out), null)
  assert.deepEqual(out, { ipOffset: 20, etherType: ETHERTYPE_IPV4, packetType: PacketType.OTHERHOST })
})

test('RAW: family from the IP version nibble', () => {
  const out = createLinkResult()
  assert.equal(decodeLinkLayer(LinkKind.RAW, v6, v6.length, out), null)
  assert.deepEqual(out, { ipOffset: 0, etherType: ETHERTYPE_IPV6, packetType: PacketType.NONE })
  assert.equal(decodeLinkLayer(LinkKind.RAW, Buffer.from([0x50]), 1, out), 'not-ip')
})

test('every truncation of every framing is skipped or decoded, never read past `length`', () => {
  const out = createLinkResult()
  const cases: Array<[LinkKind, Buffer, number]> = [
    [LinkKind.ETHERNET, ethernet(v4, [{ tpid: 0x8100, vid: 1 }, { tpid: 0x8100, vid: 2 }]), 22],
    [LinkKind.LINUX_SLL, sll(0, v4), 16],
    [LinkKind.LINUX_SLL2, sll2(0, v4), 20],
    [LinkKind.RAW, v4, 1]
  ]
  for (const [kind, frame, headerLength] of cases) {
    for (let length = 0; length < headerLength; length++) {
      assert.equal(decodeLinkLayer(kind, frame, length, out), 'truncated-link', `kind ${kind} length ${length}`)
      // A buffer that really ends there, too.
      assert.equal(decodeLinkLayer(kind, frame.subarray(0, length), frame.length, out), 'truncated-link')
    }
    assert.equal(decodeLinkLayer(kind, frame, headerLength, out), null)
  }
})
