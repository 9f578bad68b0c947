/**
 * Why an address must not stand for an external destination: a fixed special address
 * (policy/special-address.ts) or one of the cluster's own — a Service's ClusterIP (or one in
 * `serviceCidrs`), a pod's IP at that time, an address in a node's podCIDR (or in `podCidrs`), a
 * node's address. The pod and Service ranges are learned from the informers (Node spec.podCIDRs,
 * Service clusterIPs); `--pod-cidrs` and `--service-cidrs` add what the API does not say (a CNI
 * that ignores podCIDRs, the ClusterIPs not allocated yet).
 */
import { BlockList } from 'node:net'
import type { ClusterIndex } from '../kube/cluster-index.js'
import { addCidr, normalizeAddress } from '../policy/cidr.js'
import { fixedAddressReason, type AddressReason } from '../policy/special-address.js'
import { ConfigInvalid } from '../../src/errors/catalogue.js'

export interface ClusterRanges {
  podCidrs?: string[]
  serviceCidrs?: string[]
}

export type AddressCheck = (ip: string, at: number) => AddressReason | undefined

/** Parses configured CIDRs into one list; a bad one is a configuration error naming it. */
export function cidrList (option: string, cidrs: string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined
  const list = new BlockList()
  const bad = cidrs.filter((c) => addCidr(list, c) === undefined)
  if (bad.length > 0) throw ConfigInvalid(`--${option}: not a CIDR: ${bad.join(', ')}`)
  return list
}

export function clusterAddressCheck (index: ClusterIndex, ranges: ClusterRanges = {}): AddressCheck {
  const pods = cidrList('pod-cidrs', ranges.podCidrs ?? [])
  const services = cidrList('service-cidrs', ranges.serviceCidrs ?? [])
  return (ip, at) => {
    const fixed = fixedAddressReason(ip)
    if (fixed) return fixed
    const a = normalizeAddress(ip) as { address: string, family: 'ipv4' | 'ipv6' }
    // The address as written too, where normalising changed it (an IPv4-mapped or expanded IPv6 form).
    const raw = a.address === ip ? undefined : ip
    if (index.serviceByIp(a.address) || (raw !== undefined && index.serviceByIp(raw)) || services?.check(a.address, a.family)) return 'service-network'
    if (index.podAt(a.address, at) || (raw !== undefined && index.podAt(raw, at)) || index.inPodCidr(a.address) || pods?.check(a.address, a.family)) return 'pod-network'
    if (index.nodeByIp(a.address) || (raw !== undefined && index.nodeByIp(raw))) return 'node-address'
    return undefined
  }
}
