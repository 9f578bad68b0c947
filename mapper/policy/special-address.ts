/**
 * Addresses that must never become an allow rule because telemetry said so. A DNS answer is whatever
 * the resolver (or a forged report) says: answering `api.partner.example` with 169.254.169.254, a
 * pod's IP or a ClusterIP would otherwise put the cloud metadata service or a workload inside the
 * cluster into a generated egress ipBlock. Two kinds:
 * - fixed ranges: unspecified, loopback, link-local (with the metadata addresses), multicast,
 *   reserved and broadcast;
 * - the cluster's own addresses (cluster-addresses.ts): pod and Service ranges, pod IPs, ClusterIPs,
 *   node addresses, learned from the informers.
 */
import { BlockList } from 'node:net'
import { normalizeAddress } from './cidr.js'

export type FixedAddressReason = 'unspecified' | 'loopback' | 'link-local' | 'metadata' | 'multicast' | 'reserved'
export type ClusterAddressReason = 'pod-network' | 'service-network' | 'node-address'
export type AddressReason = FixedAddressReason | ClusterAddressReason

const RANGES: Array<[FixedAddressReason, string, number, 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // with 255.255.255.255, the limited broadcast
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6']
]

/** Cloud metadata services outside the link-local range (Alibaba Cloud; AWS over IPv6). */
const METADATA = new Set(['100.100.100.200', 'fd00:ec2::254'])

const LISTS = new Map<FixedAddressReason, BlockList>()
for (const [reason, net, bits, family] of RANGES) {
  let list = LISTS.get(reason)
  if (!list) { list = new BlockList(); LISTS.set(reason, list) }
  list.addSubnet(net, bits, family)
}

/**
 * Why `ip` is one of the fixed special addresses, or undefined. Not an address at all counts as
 * `reserved` (nothing to allow). IPv4-mapped IPv6 is checked as the IPv4 address.
 */
export function fixedAddressReason (ip: string): FixedAddressReason | undefined {
  const a = normalizeAddress(ip)
  if (!a) return 'reserved'
  if (METADATA.has(a.address) || (a.family === 'ipv6' && METADATA.has(canonicalV6(a.address)))) return 'metadata'
  for (const [reason, list] of LISTS) if (list.check(a.address, a.family)) return reason
  return undefined
}

/** The shortest form of an IPv6 address, as METADATA lists it (lower case, zeros compressed). */
function canonicalV6 (address: string): string {
  try { return new URL(`http://[${address}]/`).hostname.slice(1, -1) } catch { return address }
}
