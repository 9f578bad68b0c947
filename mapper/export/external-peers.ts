/**
 * What an export may allow for an External peer, decided once for every format: a name becomes an
 * FQDN rule only when it is a hostname (resolve/hostname.ts); an address becomes an ipBlock or CIDR
 * only when it is not special (policy/special-address.ts) nor the cluster's own (the lookup's
 * check). What is left out is said on the object, in the annotations `podmap.io/dropped-external-names`
 * and `podmap.io/dropped-addresses` (JSON: what -> why, with control and bidi characters escaped),
 * never silently. Ingest refuses such data already; this guards what older versions stored and
 * what aggregation made (`*.example.com` past --max-external-names is never a rule).
 */
import { isIP } from 'node:net'
import type { Identity } from '../../src/contract/map.js'
import { hostCidr } from '../policy/cidr.js'
import { fixedAddressReason } from '../policy/special-address.js'
import { refuseHostname } from '../resolve/hostname.js'
import { inert } from '../../src/text/inert.js'
import type { ExportLookup } from './lookup.js'

export const DROPPED_NAMES_ANNOTATION = 'podmap.io/dropped-external-names'
export const DROPPED_ADDRESSES_ANNOTATION = 'podmap.io/dropped-addresses'

export interface Dropped { names: Map<string, string>, addresses: Map<string, string> }

export const noneDropped = (): Dropped => ({ names: new Map(), addresses: new Map() })

/** An External identity as an export may name it: a hostname, an address (as its /32 or /128), or nothing (noted). */
export type ExternalTarget = { fqdn: string } | { cidr: string } | undefined

export function externalTarget (id: Identity, lookup: ExportLookup, dropped: Dropped): ExternalTarget {
  if (isIP(id.name) !== 0 || id.name.toLowerCase().startsWith('::ffff:')) {
    const cidr = allowedCidrs([id.name], lookup, dropped)[0]
    return cidr === undefined ? undefined : { cidr }
  }
  const why = refuseHostname(id.name)
  if (why === undefined) return { fqdn: id.name }
  const aggregated = (why === 'name-wildcard' && id.name.startsWith('*.')) || /^[0-9a-f.:]+\/\d+$/.test(id.name)
  dropped.names.set(id.name, aggregated ? 'aggregated past --max-external-names (or a wildcard): never a rule' : why)
  return undefined
}

/** The host CIDRs of `ips` an export may allow, sorted, without duplicates; the others are noted. */
export function allowedCidrs (ips: string[], lookup: ExportLookup, dropped: Dropped): string[] {
  const out = new Set<string>()
  for (const ip of ips) {
    const cidr = hostCidr(ip)
    const why = cidr === undefined ? 'not an address' : fixedAddressReason(ip) ?? lookup.addressReason?.(ip)
    if (why !== undefined) { dropped.addresses.set(ip, why); continue }
    out.add(cidr as string)
  }
  return [...out].sort()
}

/** The annotations saying what was left out (none when nothing was). */
export function droppedAnnotations (dropped: Dropped): Record<string, string> {
  const out: Record<string, string> = {}
  const json = (m: Map<string, string>): string => (JSON.stringify(Object.fromEntries([...m].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, v]) => [inert(k), v]))))
  if (dropped.names.size > 0) out[DROPPED_NAMES_ANNOTATION] = json(dropped.names)
  if (dropped.addresses.size > 0) out[DROPPED_ADDRESSES_ANNOTATION] = json(dropped.addresses)
  return out
}
