/** IPv4/IPv6 CIDR containment for ipBlock peers (an IPv4-mapped IPv6 address counts as IPv4). */
import { isIPv4, isIPv6 } from 'node:net'

interface Addr { v6: boolean, value: bigint }

export function parseAddress (text: string): Addr | undefined {
  const s = text.trim()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s)
  if (mapped?.[1]) return parseAddress(mapped[1])
  if (isIPv4(s)) {
    let v = 0n
    for (const part of s.split('.')) v = (v << 8n) | BigInt(Number(part))
    return { v6: false, value: v }
  }
  if (!isIPv6(s)) return undefined
  let text6 = s.split('%')[0] ?? s
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text6)
  if (v4tail?.[1]) {
    const n = parseAddress(v4tail[1])?.value ?? 0n
    text6 = text6.slice(0, -v4tail[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head = '', tail] = text6.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  if (groups.length !== 8) return undefined
  let v = 0n
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16))
  return { v6: true, value: v }
}

export interface Cidr { v6: boolean, base: bigint, bits: number }

export function parseCidr (text: string): Cidr | undefined {
  const [ip = '', len] = text.trim().split('/')
  const a = parseAddress(ip)
  if (!a) return undefined
  const max = a.v6 ? 128 : 32
  const bits = len === undefined ? max : Number(len)
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined
  const shift = BigInt(max - bits)
  return { v6: a.v6, base: (a.value >> shift) << shift, bits }
}

export function cidrContains (cidr: Cidr, ip: string): boolean {
  const a = parseAddress(ip)
  if (!a || a.v6 !== cidr.v6) return false
  const shift = BigInt((cidr.v6 ? 128 : 32) - cidr.bits)
  return (a.value >> shift) << shift === cidr.base
}

/** `/32` for IPv4, `/128` for IPv6; undefined for something that is not an address. */
export function hostCidr (ip: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped?.[1]) return `${mapped[1]}/32`
  if (isIPv4(ip)) return `${ip}/32`
  if (isIPv6(ip)) return `${ip}/128`
  return undefined
}
