/**
 * The capture filter, judged by libpcap itself: frames built by hand (SLL and SLL2, as the `any`
 * device delivers them) are written to a pcap file and read back by tcpdump with the filter the
 * sniffer would install, so the same compiler and BPF machine decide what passes. Every shape the
 * kernel must not judge (IPv4 options, fragments, IPv6 extension headers, short or lying lengths,
 * TCP) must pass; only well-formed UDP responses with nothing to map and outgoing copies from other
 * hosts are dropped.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dnsPacket from 'dns-packet'
import { captureFilter, localSourcePrefixes, type KernelFilters } from '../../../sniffer/capture/capture-filter.js'
import { ipv4, ipv6, sll, sll2, tcp, udp } from './frames.js'

const HOST = 0
const OTHERHOST = 3
const OUTGOING = 4

function dns (rcode: number, answers: number, type: 'A' | 'AAAA' = 'A'): Buffer {
  const name = 'svc.ns.svc.cluster.local'
  const buf = dnsPacket.encode({
    type: 'response',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type, name }],
    answers: Array.from({ length: answers }, (_, i) => ({ type, name, ttl: 30, data: type === 'A' ? `10.96.0.${i + 1}` : `fd00::${i + 1}` }))
  })
  buf[3] = (buf[3]! & 0xf0) | rcode
  return buf
}

const A = dns(0, 1)
const NX = dns(3, 0)
const v4 = (payload: Buffer, src = '10.1.0.2', extra: Partial<Parameters<typeof ipv4>[0]> = {}): Buffer => ipv4({ src, dst: '10.1.0.9', ...extra }, payload)
const v6 = (payload: Buffer, src = 'fd01::2', extra: Partial<Parameters<typeof ipv6>[0]> = {}): Buffer => ipv6({ src, dst: 'fd01::9', ...extra }, payload)
const SYN = 0x02
const ACK = 0x10

interface Case { name: string, type: number, packet: Buffer, kept: { both: boolean, answers: boolean, direction: boolean, none: boolean } }

const keep = { both: true, answers: true, direction: true, none: true }
const never = { both: false, answers: false, direction: false, none: false }
const cases: Case[] = [
  { name: 'IPv4 A answer, arriving', type: HOST, packet: v4(udp(53, 40000, A)), kept: keep },
  { name: 'IPv4 A answer, arriving on a bridge port', type: OTHERHOST, packet: v4(udp(53, 40000, A)), kept: keep },
  { name: 'IPv4 NXDOMAIN', type: HOST, packet: v4(udp(53, 40000, NX)), kept: { both: false, answers: false, direction: true, none: true } },
  { name: 'IPv4 SERVFAIL', type: HOST, packet: v4(udp(53, 40000, dns(2, 0))), kept: { both: false, answers: false, direction: true, none: true } },
  { name: 'IPv4 NODATA (no answers)', type: HOST, packet: v4(udp(53, 40000, dns(0, 0))), kept: { both: false, answers: false, direction: true, none: true } },
  { name: 'IPv4 with options, NXDOMAIN', type: HOST, packet: v4(udp(53, 40000, NX), undefined, { options: Buffer.from([1, 1, 1, 0]) }), kept: keep },
  { name: 'IPv4 first fragment, NXDOMAIN', type: HOST, packet: v4(udp(53, 40000, NX), undefined, { moreFragments: true }), kept: keep },
  { name: 'IPv4 UDP payload shorter than a DNS header', type: HOST, packet: v4(udp(53, 40000, Buffer.from([0, 7, 0x81, 0x83]))), kept: keep },
  { name: 'IPv4 UDP length that lies (too short for a header)', type: HOST, packet: v4(udp(53, 40000, NX, 12)), kept: keep },
  { name: 'IPv4 NXDOMAIN over TCP', type: HOST, packet: v4(tcp(53, 40000, 1, ACK, Buffer.concat([Buffer.from([0, NX.length]), NX])), undefined, { protocol: 6 }), kept: keep },
  { name: 'IPv6 AAAA answer', type: HOST, packet: v6(udp(53, 40000, dns(0, 2, 'AAAA'))), kept: keep },
  { name: 'IPv6 NXDOMAIN', type: HOST, packet: v6(udp(53, 40000, dns(3, 0, 'AAAA'))), kept: { both: false, answers: false, direction: true, none: true } },
  // libpcap's `src port 53` reads IPv6 ports at a fixed offset: extension headers never passed it.
  { name: 'IPv6 hop-by-hop header, A answer', type: HOST, packet: v6(udp(53, 40000, A), undefined, { extensions: [{ type: 0, body: Buffer.alloc(8) }] }), kept: never },
  { name: 'IPv4 A answer leaving, forwarded (second copy)', type: OUTGOING, packet: v4(udp(53, 40000, A)), kept: { both: false, answers: true, direction: false, none: true } },
  { name: 'IPv4 A answer leaving from the node\'s address (node-local resolver)', type: OUTGOING, packet: v4(udp(53, 40000, A), '169.254.20.10'), kept: keep },
  { name: 'IPv6 AAAA answer leaving from the node\'s address', type: OUTGOING, packet: v6(udp(53, 40000, dns(0, 1, 'AAAA')), 'fd09::1'), kept: keep },
  { name: 'IPv6 AAAA answer leaving, forwarded', type: OUTGOING, packet: v6(udp(53, 40000, dns(0, 1, 'AAAA'))), kept: { both: false, answers: true, direction: false, none: true } },
  { name: 'IPv4 NXDOMAIN leaving from the node\'s address', type: OUTGOING, packet: v4(udp(53, 40000, NX), '169.254.20.10'), kept: { both: false, answers: false, direction: true, none: true } },
  { name: 'first SYN, arriving', type: HOST, packet: v4(tcp(40000, 80, 1, SYN), undefined, { protocol: 6 }), kept: keep },
  { name: 'first SYN leaving, forwarded', type: OUTGOING, packet: v4(tcp(40000, 80, 1, SYN), undefined, { protocol: 6 }), kept: { both: false, answers: true, direction: false, none: true } },
  { name: 'first SYN leaving a hostNetwork client', type: OUTGOING, packet: v4(tcp(40000, 80, 1, SYN), '10.9.0.1', { protocol: 6 }), kept: keep },
  { name: 'IPv6 first SYN, arriving', type: HOST, packet: v6(tcp(40000, 80, 1, SYN), undefined, { nextHeader: 6 }), kept: keep },
  { name: 'a query to port 53 (not from it)', type: HOST, packet: v4(udp(40000, 53, A)), kept: never },
  { name: 'SYN-ACK from a server', type: HOST, packet: v4(tcp(80, 40000, 1, SYN | ACK), undefined, { protocol: 6 }), kept: never }
]

const LOCAL = localSourcePrefixes(['10.9.0.1', '169.254.20.10', 'fd09::1', '127.0.0.1', '::1', 'fe80::1%eth0'])

/** Indexes (from 0) of the frames libpcap's filter passes, read by tcpdump from a pcap file. */
function passed (linkType: 113 | 276, frames: Buffer[], filter: string): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'podmap-filter-'))
  try {
    const header = Buffer.alloc(24)
    header.writeUInt32LE(0xa1b2c3d4, 0)
    header.writeUInt16LE(2, 4)
    header.writeUInt16LE(4, 6)
    header.writeUInt32LE(65535, 16)
    header.writeUInt32LE(linkType, 20)
    // Each frame's timestamp is its index: tcpdump -tt prints it for every frame that passed.
    const records = frames.map((f, i) => {
      const r = Buffer.alloc(16)
      r.writeUInt32LE(i, 0)
      r.writeUInt32LE(f.length, 8)
      r.writeUInt32LE(f.length, 12)
      return Buffer.concat([r, f])
    })
    const file = join(dir, 'frames.pcap')
    writeFileSync(file, Buffer.concat([header, ...records]))
    const out = execFileSync('tcpdump', ['-r', file, '-n', '-tt', filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return out.split('\n').map((l) => /^(\d+)\.000000 /.exec(l)?.[1]).filter((i) => i !== undefined).map(Number)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const [label, filters, key] of [
  ['answers and direction (the default)', { answers: true, direction: true }, 'both'],
  ['answers only', { answers: true, direction: false }, 'answers'],
  ['direction only', { answers: false, direction: true }, 'direction'],
  ['none (every packet from port 53 and every first SYN, as before)', { answers: false, direction: false }, 'none']
] as Array<[string, KernelFilters, keyof Case['kept']]>) {
  for (const [link, linkType, frame] of [['SLL', 113, sll], ['SLL2', 276, sll2]] as const) {
    test(`kernel filter, ${label}, on ${link}: libpcap passes exactly what may be mapped`, () => {
      const filter = captureFilter({ filters, syns: true, localSources: LOCAL })
      const got = new Set(passed(linkType, cases.map((c) => frame(c.type, c.packet)), filter))
      const wrong = cases.filter((c, i) => got.has(i) !== c.kept[key]).map((c) => `${c.name}: ${got.has(cases.indexOf(c)) ? 'passed' : 'dropped'}`)
      assert.deepEqual(wrong, [])
    })
  }
}

test('without SYN capture, SYNs are dropped; a device other than any keeps both directions', () => {
  const filter = captureFilter({ filters: { answers: true, direction: true }, syns: false, localSources: null })
  const got = new Set(passed(113, cases.map((c) => sll(c.type, c.packet)), filter))
  assert.equal(got.has(cases.findIndex((c) => c.name === 'first SYN, arriving')), false)
  assert.equal(got.has(cases.findIndex((c) => c.name.startsWith('IPv4 A answer leaving, forwarded'))), true)
})

test('local sources: deduplicated, IPv6 scope ids dropped, widened past the bound, never narrowed', () => {
  assert.deepEqual(localSourcePrefixes(['10.0.0.1', '10.0.0.1', 'fe80::1%eth0', '::ffff:10.0.0.1']), ['10.0.0.1/32', 'fe80:0:0:0:0:0:0:1/128'])
  const ipvs = Array.from({ length: 300 }, (_, i) => `10.96.${i >> 8}.${i & 255}`)
  assert.deepEqual(localSourcePrefixes([...ipvs, '192.168.1.5']), ['10.96.0.0/24', '10.96.1.0/24', '192.168.1.0/24'])
  const spread = Array.from({ length: 40 }, (_, i) => `10.${i}.${i}.1`)
  assert.deepEqual(localSourcePrefixes(spread, 4), ['10.0.0.0/8'])
  assert.deepEqual(localSourcePrefixes(Array.from({ length: 5 }, (_, i) => `${i + 1}.0.0.1`), 4), ['0.0.0.0/0'])
  // Widened to everything, the filter keeps every outgoing copy of the family.
  assert.match(captureFilter({ filters: { answers: true, direction: true }, syns: false, localSources: ['0.0.0.0/0'] }), /^\(inbound or ip\) and /)
  const many6 = Array.from({ length: 40 }, (_, i) => `fd00:0:${i}::1`)
  assert.deepEqual(localSourcePrefixes(many6), ['fd00:0:0:0:0:0:0:0/32'])
})
