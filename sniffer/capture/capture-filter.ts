/**
 * The capture's BPF filter, as libpcap compiles it and hands it to the kernel: what is never mapped
 * stays in the kernel (not copied into the ring, not woken for, not decoded). Pure.
 *
 * - answers: a UDP response whose DNS header has a non-zero RCODE (NXDOMAIN, SERVFAIL, ...) or no
 *   answer records (NODATA; a query) carries nothing to map. Read at fixed offsets, so only where
 *   they are fixed: IPv4 without options and not a fragment, IPv6 without extension headers, UDP
 *   and IP lengths that hold a whole DNS header. Anything else (options, extension headers,
 *   fragments, short or lying lengths, every TCP segment) still goes to user space, which decodes
 *   or counts it as before.
 * - direction (the `any` device only): a response forwarded through the node shows twice, arriving
 *   on one interface and leaving on another. The leaving copy (packet type OUTGOING) is dropped
 *   unless its source is an address of the node itself: a resolver on the node's own network (a
 *   hostNetwork DNS server, a node-local cache) has no arriving copy. The same holds for first SYNs.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** DNS responses from port 53 over UDP and TCP, over IPv4 and IPv6: everything, as first captured. */
export const DNS_RESPONSE_FILTER = 'src port 53 and (udp or tcp)'

/**
 * First SYNs (SYN without ACK) of TCP connections, IPv4 and IPv6. libpcap has no tcp[] for IPv6:
 * the flags byte is read at its fixed offset when the next header is TCP (no extension headers).
 */
export const SYN_FILTER = '(ip and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02)'

/**
 * A UDP response with nothing to map, where its DNS header sits at a fixed offset. IPv4: version 4
 * and a 20-byte header, no fragment bits, total length >= 20 + 8 + 12, UDP length >= 8 + 12; the
 * DNS header at 28: RCODE in the low nibble of byte 31, ANCOUNT at 34. IPv6: next header UDP, payload
 * and UDP lengths >= 20; the DNS header at 48: RCODE in byte 51, ANCOUNT at 54.
 */
const UNMAPPED_V4 = 'ip and ip[0] == 0x45 and ip[6:2] & 0x3fff == 0 and ip[2:2] >= 40 and ip[24:2] >= 20 and (ip[31] & 0x0f != 0 or ip[34:2] == 0)'
const UNMAPPED_V6 = 'ip6 and ip6[6] == 17 and ip6[4:2] >= 20 and ip6[44:2] >= 20 and (ip6[51] & 0x0f != 0 or ip6[54:2] == 0)'

/** DNS responses that may carry something to map: all TCP, UDP unless its header says there is nothing. */
export const MAPPABLE_DNS_FILTER = `src port 53 and (tcp or (udp and not ((${UNMAPPED_V4}) or (${UNMAPPED_V6}))))`

/** Which kernel-side filters are on (`--pcap-kernel-filter`). */
export interface KernelFilters { answers: boolean, direction: boolean }

export interface CaptureFilterOptions {
  filters: KernelFilters
  /** Also capture first SYNs. */
  syns: boolean
  /**
   * With `filters.direction`: the node's addresses (or prefixes, see localSourcePrefixes) whose
   * outgoing copies are kept. Null: keep every copy (a device that shows each packet once).
   */
  localSources: string[] | null
}

export function captureFilter (o: CaptureFilterOptions): string {
  const dns = o.filters.answers ? MAPPABLE_DNS_FILTER : DNS_RESPONSE_FILTER
  const wanted = o.syns ? `(${dns}) or ${SYN_FILTER}` : dns
  if (!o.filters.direction || o.localSources === null) return wanted
  const sources = o.localSources.map((p) => p.endsWith('/0') ? (p.includes(':') ? 'ip6' : 'ip') : `src net ${p}`)
  return `(${['inbound', ...sources].join(' or ')}) and (${wanted})`
}

/** Per family, at most this many source prefixes in the filter (libpcap's program stays small). */
export const MAX_SOURCE_PREFIXES = 32

/**
 * The node's addresses as the prefixes the direction filter keeps outgoing copies from, sorted and
 * deduplicated. Past MAX_SOURCE_PREFIXES addresses in a family (kube-proxy's IPVS mode puts every
 * ClusterIP on kube-ipvs0) they are widened (IPv4 /24, /16, /8, all; IPv6 /64, /48, /32, all)
 * until few enough: wider keeps more outgoing copies, which the user-space duplicate window then
 * counts once, never fewer.
 */
export function localSourcePrefixes (addresses: Iterable<string>, max = MAX_SOURCE_PREFIXES): string[] {
  const v4 = new Set<string>()
  const v6 = new Set<string>()
  for (const a of addresses) {
    const bare = a.split('%')[0]!
    if (isIPv4(bare)) v4.add(bare)
    else if (isIPv6(bare) && !bare.includes('.')) v6.add(bare) // an IPv4-mapped form is the IPv4 address's
  }
  return [...widen([...v4], [32, 24, 16, 8, 0], 32, max, v4Bits), ...widen([...v6], [128, 64, 48, 32, 0], 128, max, v6Bits)]
}

function widen (addresses: string[], lengths: number[], full: number, max: number, bits: (a: string) => bigint): string[] {
  if (addresses.length === 0) return []
  for (const length of lengths) {
    const prefixes = new Set(addresses.map((a) => prefixText(bits(a), length, full)))
    if (prefixes.size <= max || length === 0) return [...prefixes].sort()
  }
  return []
}

function v4Bits (a: string): bigint {
  return a.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
}

function v6Bits (a: string): bigint {
  const [head = '', tail] = a.split('::')
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'))
  const h = groups(head)
  const t = groups(tail)
  const all = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n)
}

function prefixText (value: bigint, length: number, full: number): string {
  const masked = length === 0 ? 0n : (value >> BigInt(full - length)) << BigInt(full - length)
  if (full === 32) return `${[24n, 16n, 8n, 0n].map((s) => String((masked >> s) & 255n)).join('.')}/${length}`
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((masked >> s) & 0xffffn).toString(16))
  return `${groups.join(':')}/${length}`
}
