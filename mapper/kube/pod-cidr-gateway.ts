/**
 * A node's address on its pod bridge: the first address of its podCIDR, as kubenet, flannel and the
 * bridge CNI plugin give it. Kubelet probes and every other call from the node's own network to its
 * pods leave from there (issue #11: probes showed as `External <that address> -> workload`), so the
 * cluster index counts it as the node's. A CNI without a bridge address never uses it as a source:
 * the mapping is then unused, never wrong, since the podCIDR holds no pod at its first address.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** The first address of `cidr` (network + 1), canonical text; undefined for anything not a CIDR. */
export function podCidrGateway (cidr: string): string | undefined {
  const [ip = '', len = ''] = cidr.trim().split('/')
  if (!/^\d{1,3}$/.test(len)) return undefined
  const bits = Number(len)
  if (isIPv4(ip)) {
    if (bits > 30) return undefined
    const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0)
    const network = bits === 0 ? 0 : n - (n % 2 ** (32 - bits))
    const g = network + 1
    return [g >>> 24, (g >>> 16) & 255, (g >>> 8) & 255, g & 255].join('.')
  }
  if (isIPv6(ip)) {
    if (bits > 126) return undefined
    const value = BigInt(`0x${expand(ip)}`)
    const host = 128n - BigInt(bits)
    const g = ((value >> host) << host) + 1n
    const hex = g.toString(16).padStart(32, '0')
    const text = (hex.match(/.{4}/g) ?? []).join(':')
    // The URL parser writes IPv6 in its canonical (RFC 5952) form, as the sniffer's reports do.
    return new URL(`http://[${text}]/`).hostname.slice(1, -1)
  }
  return undefined
}

/** 32 hex digits of an IPv6 address (`::` expanded; an embedded IPv4 tail converted). */
function expand (ip: string): string {
  let text = ip.toLowerCase()
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1]
  if (v4 !== undefined) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number]
    text = text.slice(0, -v4.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.map((g) => g.padStart(4, '0')).join('')
}
