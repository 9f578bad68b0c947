/**
 * fast-check arbitraries for captured frames: valid DNS responses wrapped in every supported link
 * type, IPv4 (with options, fragments) and IPv6 (with extension headers), then mutated: bytes flipped,
 * cut short, length fields lying, compression-pointer loops, or replaced by noise.
 */
import fc from 'fast-check'
import dnsPacket from 'dns-packet'
import { LinkKind } from '../../sniffer/capture/link-layer.js'
import { ethernet, ipv4, ipv6, sll, sll2, udp } from '../sniffer/capture/frames.js'

export interface FrameCase {
  family: string
  linkKind: LinkKind
  frame: Buffer
}

const label = fc.tuple(fc.constantFrom('orders', 'shop', 'svc', 'cluster', 'local', 'api', 'x-1', 'db'), fc.nat(99)).map(([w, n]) => n < 50 ? w : `${w}${n}`)
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'))
const ipv4Text = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'))
const ipv6Text = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'))

type Answer = dnsPacket.Answer

/** The answer section families the issue lists: plain, chains, cycles, none, 500. */
const answers = (q: string): fc.Arbitrary<{ kind: string, answers: Answer[], flags?: number }> => fc.oneof(
  { weight: 5, arbitrary: fc.array(ipv4Text, { minLength: 1, maxLength: 8 }).map((ips) => ({ kind: 'a', answers: ips.map((data): Answer => ({ type: 'A', name: q, ttl: 30, data })) })) },
  { weight: 5, arbitrary: fc.array(ipv6Text, { minLength: 1, maxLength: 8 }).map((ips) => ({ kind: 'aaaa', answers: ips.map((data): Answer => ({ type: 'AAAA', name: q, ttl: 30, data })) })) },
  { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 1, max: 20 }), ipv4Text).map(([n, ip]) => {
    const chain: Answer[] = []
    for (let i = 0; i < n; i++) chain.push({ type: 'CNAME', name: i === 0 ? q : `c${i}.${q}`, ttl: 60, data: `c${i + 1}.${q}` })
    chain.push({ type: 'A', name: `c${n}.${q}`, ttl: 5, data: ip })
    return { kind: 'cname-chain', answers: chain }
  }) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => {
    const cycle: Answer[] = []
    for (let i = 0; i < n; i++) cycle.push({ type: 'CNAME', name: i === 0 ? q : `c${i}.${q}`, ttl: 60, data: i === n - 1 ? q : `c${i + 1}.${q}` })
    return { kind: 'cname-cycle', answers: cycle }
  }) },
  { weight: 5, arbitrary: fc.constant({ kind: 'no-answers', answers: [] as Answer[] }) },
  { weight: 1, arbitrary: fc.constant({ kind: '500-answers' as string, answers: Array.from({ length: 500 }, (_, i): Answer => ({ type: 'A', name: q, ttl: 30, data: `10.${(i >> 8) & 255}.${i & 255}.1` })) }) },
  { weight: 5, arbitrary: fc.constantFrom(0x8183, 0x8182, 0x0100, 0x8980).map((flags) => ({ kind: `flags-${flags.toString(16)}`, answers: [{ type: 'A', name: q, ttl: 30, data: '10.0.0.1' } as Answer], flags })) }
)

const dnsMessage = name.chain((q) => fc.tuple(fc.nat(0xffff), answers(q)).map(([id, a]) => ({
  kind: a.kind,
  bytes: dnsPacket.encode({ type: 'response', id, flags: a.flags ?? dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [{ type: 'A', name: q }], answers: a.answers })
})))

const network = fc.oneof(
  fc.record({
    v: fc.constant(4 as const),
    src: ipv4Text,
    dst: ipv4Text,
    optionWords: fc.integer({ min: 0, max: 10 }),
    fragment: fc.oneof({ weight: 4, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('mf', 'offset') })
  }),
  fc.record({
    v: fc.constant(6 as const),
    src: ipv6Text,
    dst: ipv6Text,
    extensions: fc.array(fc.constantFrom(0, 43, 60, 44), { maxLength: 3 })
  })
)

const link = fc.oneof(
  fc.record({ kind: fc.constant(LinkKind.ETHERNET), vlans: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant(LinkKind.LINUX_SLL), packetType: fc.constantFrom(0, 1, 3, 4) }),
  fc.record({ kind: fc.constant(LinkKind.LINUX_SLL2), packetType: fc.constantFrom(0, 1, 3, 4) }),
  fc.record({ kind: fc.constant(LinkKind.RAW) }),
  fc.record({ kind: fc.constant(LinkKind.NULL), bigEndian: fc.boolean() })
)

type Mutation =
  | { m: 'none' }
  | { m: 'flip', at: number[], values: number[] }
  | { m: 'truncate', keep: number }
  | { m: 'lie', field: 'ip-length' | 'udp-length' | 'dns-counts', value: number }
  | { m: 'pointer-loop' }
  | { m: 'noise', bytes: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ m: 'none' as const }) },
  { weight: 4, arbitrary: fc.record({ m: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), values: fc.array(fc.nat(255), { minLength: 8, maxLength: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ m: fc.constant('truncate' as const), keep: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ m: fc.constant('lie' as const), field: fc.constantFrom('ip-length' as const, 'udp-length' as const, 'dns-counts' as const), value: fc.nat(0xffff) }) },
  { weight: 1, arbitrary: fc.constant({ m: 'pointer-loop' as const }) },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('noise' as const), bytes: fc.uint8Array({ maxLength: 600 }) }) }
)

interface Offsets { ip: number, udp: number, dns: number, v: 4 | 6 }

function wrap (dns: Buffer, net: NetworkCase, l: LinkCase): { frame: Buffer, at: Offsets } {
  const u = udp(53, 40000, dns)
  let packet: Buffer
  let udpAt: number
  if (net.v === 4) {
    const options = Buffer.alloc(net.optionWords * 4, 1) // NOP options
    packet = ipv4({ src: net.src, dst: net.dst, options, moreFragments: net.fragment === 'mf', fragmentOffset: net.fragment === 'offset' ? 185 : 0 }, u)
    udpAt = 20 + options.length
  } else {
    const extensions = net.extensions.map((type) => ({ type, body: Buffer.alloc(8) }))
    packet = ipv6({ src: net.src, dst: net.dst, extensions }, u)
    udpAt = 40 + 8 * extensions.length
  }
  let frame: Buffer
  let ipAt: number
  switch (l.kind) {
    case LinkKind.ETHERNET: {
      const vlans = Array.from({ length: l.vlans }, (_, i) => ({ tpid: i === 0 ? 0x88a8 : 0x8100, vid: i + 1 }))
      frame = ethernet(packet, vlans); ipAt = 14 + 4 * l.vlans; break
    }
    case LinkKind.LINUX_SLL: frame = sll(l.packetType, packet); ipAt = 16; break
    case LinkKind.LINUX_SLL2: frame = sll2(l.packetType, packet); ipAt = 20; break
    case LinkKind.RAW: frame = packet; ipAt = 0; break
    default: {
      const h = Buffer.alloc(4)
      const family = net.v === 4 ? 2 : 10
      if (l.bigEndian) h.writeUInt32BE(family); else h.writeUInt32LE(family)
      frame = Buffer.concat([h, packet]); ipAt = 4
    }
  }
  return { frame, at: { ip: ipAt, udp: ipAt + udpAt, dns: ipAt + udpAt + 8, v: net.v } }
}

type NetworkCase = { v: 4, src: string, dst: string, optionWords: number, fragment: string } | { v: 6, src: string, dst: string, extensions: number[] }
type LinkCase = { kind: typeof LinkKind.ETHERNET, vlans: number } | { kind: typeof LinkKind.LINUX_SLL | typeof LinkKind.LINUX_SLL2, packetType: number } | { kind: typeof LinkKind.RAW } | { kind: typeof LinkKind.NULL, bigEndian: boolean }

function mutate (frame: Buffer, at: Offsets, mu: Mutation): Buffer {
  switch (mu.m) {
    case 'none': return frame
    case 'flip': {
      const out = Buffer.from(frame)
      mu.at.forEach((p, i) => { out[p % out.length] = mu.values[i] ?? 0 })
      return out
    }
    case 'truncate': return frame.subarray(0, mu.keep % (frame.length + 1))
    case 'lie': {
      const out = Buffer.from(frame)
      if (mu.field === 'ip-length') out.writeUInt16BE(mu.value, at.ip + (at.v === 4 ? 2 : 4))
      else if (mu.field === 'udp-length') out.writeUInt16BE(mu.value, at.udp + 4)
      else if (out.length >= at.dns + 12) out.writeUInt16BE(mu.value, at.dns + 4 + 2 * (mu.value % 4))
      return out
    }
    case 'pointer-loop': {
      // The question name becomes a pointer to itself (offset 12 of the message).
      const out = Buffer.from(frame)
      if (out.length >= at.dns + 14) { out[at.dns + 12] = 0xc0; out[at.dns + 13] = 0x0c }
      return out
    }
    case 'noise': return Buffer.concat([frame.subarray(0, at.ip), Buffer.from(mu.bytes)])
  }
}

/** One frame of one case family (the family names the DNS content and the mutation). */
export const frameCase: fc.Arbitrary<FrameCase> = fc.tuple(dnsMessage, network as fc.Arbitrary<NetworkCase>, link as fc.Arbitrary<LinkCase>, mutation).map(([dns, net, l, mu]) => {
  const { frame, at } = wrap(dns.bytes, net, l)
  return { family: `${dns.kind}/${mu.m}`, linkKind: l.kind, frame: mutate(frame, at, mu) }
})
