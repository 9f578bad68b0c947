/**
 * CIDR containment for ipBlock peers, on node:net's BlockList. An IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, how a dual-stack socket shows an IPv4 peer) counts as the IPv4 address.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net'

export interface Cidr { family: 'ipv4' | 'ipv6', list: BlockList }

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i

/** The address as BlockList checks it: its family, IPv4-mapped IPv6 unwrapped; undefined if not an address. */
export function normalizeAddress (text: string): { address: string, family: 'ipv4' | 'ipv6' } | undefined {
  const s = text.trim()
  const mapped = MAPPED.exec(s)?.[1]
  if (mapped !== undefined) return isIPv4(mapped) ? { address: mapped, family: 'ipv4' } : undefined
  if (isIPv4(s)) return { address: s, family: 'ipv4' }
  const bare = s.split('%')[0] ?? s
  return isIPv6(bare) ? { address: bare, family: 'ipv6' } : undefined
}

export function parseCidr (text: string): Cidr | undefined {
  const list = new BlockList()
  const family = addCidr(list, text)
  return family ? { family, list } : undefined
}

/** Adds `text` (a CIDR, or one address) to `list`; returns its family, or undefined (nothing added) when it is not one. */
export function addCidr (list: BlockList, text: string): 'ipv4' | 'ipv6' | undefined {
  const [ip = '', len, extra] = text.trim().split('/')
  if (extra !== undefined) return undefined
  const a = normalizeAddress(ip)
  if (!a) return undefined
  const max = a.family === 'ipv6' ? 128 : 32
  const bits = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined
  list.addSubnet(a.address, bits, a.family)
  return a.family
}

export function cidrContains (cidr: Cidr, ip: string): boolean {
  const a = normalizeAddress(ip)
  return a !== undefined && a.family === cidr.family && cidr.list.check(a.address, a.family)
}

/** `/32` for IPv4, `/128` for IPv6; undefined for something that is not an address. */
export function hostCidr (ip: string): string | undefined {
  const a = normalizeAddress(ip)
  if (!a) return undefined
  return a.family === 'ipv4' ? `${a.address}/32` : `${a.address}/128`
}
