import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from '../../../src/metrics/lean-registry.js'
import dnsPacket from 'dns-packet'
import { createLogger } from '../../../src/log/logger.js'
import { createSnifferMetrics } from '../../../sniffer/metrics.js'
import { createPacketDecoder, type DnsObservation } from '../../../sniffer/capture/packet-decoder.js'
import { LinkKind, PacketType } from '../../../sniffer/capture/link-layer.js'
import type { DnsSkip } from '../../../sniffer/dns/decode-response.js'
import { ethernet, ip, ipv4, sll, sll2, udp } from './frames.js'

function setup (linkKind: LinkKind) {
  const metrics = createSnifferMetrics(new Registry())
  const seen: DnsObservation[] = []
  const skipped: DnsSkip[] = []
  let clock = 1_700_000_000_000
  const onPacket = createPacketDecoder({
    linkKind,
    metrics,
    log: createLogger({ level: 'silent', component: 'test' }),
    onResponse: (o) => seen.push(o),
    onSkip: (r) => skipped.push(r),
    now: () => clock
  })
  const count = async (name: 'packets' | 'duplicatePackets' | 'dnsResponses') => (await metrics[name].get()).values[0]?.value ?? 0
  const errors = async () => Object.fromEntries((await metrics.decodeErrors.get()).values.map((v) => [String(v.labels.reason), v.value]))
  return { onPacket, seen, skipped, count, errors, tick: (ms: number) => { clock += ms } }
}

function dns (id: number, name: string, answers: dnsPacket.Answer[], type: 'A' | 'AAAA' = 'A'): Buffer {
  return dnsPacket.encode({ type: 'response', id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [{ type, name }], answers })
}

const answerA = dns(7, 'api.shop.svc.cluster.local', [{ type: 'A', name: 'api.shop.svc.cluster.local', ttl: 5, data: '10.96.4.2' }])

/** Hand `frame` to the decoder inside a bigger, dirty buffer, as cap does. */
function deliver (onPacket: (b: Buffer, n: number) => void, frame: Buffer): void {
  const buffer = Buffer.alloc(65535, 0xcc)
  frame.copy(buffer)
  onPacket(buffer, frame.length)
}

test('Ethernet/IPv4 A response -> one observation for the destination (the client)', async () => {
  const t = setup(LinkKind.ETHERNET)
  deliver(t.onPacket, ethernet(ip('10.96.0.10', '10.244.1.5', udp(53, 40001, answerA))))
  assert.deepEqual(t.seen, [{ client: '10.244.1.5', name: 'api.shop.svc.cluster.local', answers: ['10.96.4.2'], ttl: 5, at: 1_700_000_000_000 }])
  assert.equal(await t.count('packets'), 1)
  assert.equal(await t.count('dnsResponses'), 1)
})

test('SLL/IPv6 AAAA response', async () => {
  const t = setup(LinkKind.LINUX_SLL)
  const payload = dns(9, 'db.example', [{ type: 'AAAA', name: 'db.example', ttl: 30, data: 'fd00:10::7' }], 'AAAA')
  deliver(t.onPacket, sll(PacketType.HOST, ip('fd00::53', 'fd00:0:0:0:0:0:0:42', udp(53, 5555, payload))))
  assert.deepEqual(t.seen.map(({ client, answers }) => ({ client, answers })), [{ client: 'fd00::42', answers: ['fd00:10::7'] }])
})

test('SLL2 and VLAN-tagged Ethernet decode too', () => {
  const t = setup(LinkKind.LINUX_SLL2)
  deliver(t.onPacket, sll2(PacketType.OUTGOING, ip('10.0.0.53', '10.0.0.9', udp(53, 1234, answerA))))
  assert.equal(t.seen[0]?.client, '10.0.0.9')
  const v = setup(LinkKind.ETHERNET)
  deliver(v.onPacket, ethernet(ip('10.0.0.53', '10.0.0.8', udp(53, 1234, answerA)), [{ tpid: 0x8100, vid: 100 }]))
  assert.equal(v.seen[0]?.client, '10.0.0.8')
})

test('the same response seen on two veths (any device) is counted once; after the window it counts again', async () => {
  const t = setup(LinkKind.LINUX_SLL)
  const packet = ip('10.96.0.10', '10.244.1.5', udp(53, 40001, answerA))
  deliver(t.onPacket, sll(PacketType.OTHERHOST, packet))
  t.tick(1)
  deliver(t.onPacket, sll(PacketType.OUTGOING, packet))
  assert.equal(t.seen.length, 1)
  assert.equal(await t.count('packets'), 2)
  assert.equal(await t.count('duplicatePackets'), 1)
  assert.equal(await t.count('dnsResponses'), 1)
  // A different DNS id to the same client is a different response.
  const other = Buffer.from(answerA)
  other.writeUInt16BE(8, 0)
  deliver(t.onPacket, sll(PacketType.OUTGOING, ip('10.96.0.10', '10.244.1.5', udp(53, 40001, other))))
  assert.equal(t.seen.length, 2)
  t.tick(5000)
  deliver(t.onPacket, sll(PacketType.OUTGOING, packet))
  assert.equal(t.seen.length, 3)
})

test('a response seen before and after kube-proxy\'s reverse DNAT (source rewritten) is counted once', async () => {
  const t = setup(LinkKind.LINUX_SLL)
  deliver(t.onPacket, sll(PacketType.HOST, ip('10.244.0.3', '10.244.1.5', udp(53, 40001, answerA)))) // from the CoreDNS pod
  deliver(t.onPacket, sll(PacketType.OUTGOING, ip('10.96.0.10', '10.244.1.5', udp(53, 40001, answerA)))) // as the client gets it
  assert.equal(t.seen.length, 1)
  assert.equal(await t.count('duplicatePackets'), 1)
  // Another client port is another response.
  deliver(t.onPacket, sll(PacketType.OUTGOING, ip('10.96.0.10', '10.244.1.5', udp(53, 40002, answerA))))
  assert.equal(t.seen.length, 2)
})

test('NXDOMAIN and queries go to onSkip, not to decode errors; garbage is a decode error', async () => {
  const t = setup(LinkKind.ETHERNET)
  const nx = dns(11, 'x.default.svc.cluster.local', [])
  nx[3] = (nx[3]! & 0xf0) | 3
  deliver(t.onPacket, ethernet(ip('10.96.0.10', '10.244.1.5', udp(53, 40001, nx))))
  const query = dnsPacket.encode({ type: 'query', id: 12, questions: [{ type: 'A', name: 'x.example' }] })
  deliver(t.onPacket, ethernet(ip('10.244.1.5', '10.96.0.10', udp(53, 53, query))))
  deliver(t.onPacket, ethernet(ip('10.96.0.10', '10.244.1.5', udp(53, 40002, Buffer.from('short')))))
  const bad = Buffer.from(answerA)
  bad.writeUInt16BE(99, 6) // ANCOUNT lies
  deliver(t.onPacket, ethernet(ip('10.96.0.10', '10.244.1.5', udp(53, 40003, bad))))
  deliver(t.onPacket, ethernet(ipv4({ src: '10.96.0.10', dst: '10.244.1.5', moreFragments: true }, udp(53, 40004, answerA))))
  assert.deepEqual(t.skipped, ['nxdomain', 'not-response'])
  assert.deepEqual(await t.errors(), { malformed: 2, fragment: 1 })
  assert.equal(t.seen.length, 0)
})

test('every truncation of every framing is counted, never thrown, never decoded from stale bytes', async () => {
  for (const [kind, frame] of [
    [LinkKind.ETHERNET, ethernet(ip('10.0.0.53', '10.0.0.9', udp(53, 1234, answerA)), [{ tpid: 0x8100, vid: 5 }])],
    [LinkKind.LINUX_SLL, sll(0, ip('fd00::53', 'fd00::9', udp(53, 1234, answerA)))],
    [LinkKind.LINUX_SLL2, sll2(4, ip('10.0.0.53', '10.0.0.9', udp(53, 1234, answerA)))]
  ] as const) {
    const t = setup(kind)
    // The full frame first, so that stale bytes of it sit in the reused buffer afterwards.
    const buffer = Buffer.alloc(65535)
    frame.copy(buffer)
    t.onPacket(buffer, frame.length)
    for (let length = 0; length < frame.length; length++) {
      t.tick(2000) // outside the duplicate window
      t.onPacket(buffer, length)
    }
    assert.equal(t.seen.length, 1, `link ${kind}`)
    const errors = await t.errors()
    const total = Object.values(errors).reduce((s, n) => s + n, 0)
    assert.equal(total, frame.length, `link ${kind}: ${JSON.stringify(errors)}`)
    assert.equal(errors.exception, undefined)
  }
})

test('a throwing consumer is counted as exception and does not escape', async () => {
  const metrics = createSnifferMetrics(new Registry())
  const onPacket = createPacketDecoder({
    linkKind: LinkKind.ETHERNET,
    metrics,
    log: createLogger({ level: 'silent', component: 'test' }),
    onResponse: () => { throw new Error('boom') }
  })
  assert.doesNotThrow(() => deliver(onPacket, ethernet(ip('10.0.0.53', '10.0.0.9', udp(53, 1234, answerA)))))
  assert.equal((await metrics.decodeErrors.get()).values.find((v) => v.labels.reason === 'exception')?.value, 1)
})
