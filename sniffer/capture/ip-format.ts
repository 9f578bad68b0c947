/**
 * Address formatting shared by the packet decoder and the /proc parser.
 * IPv6 follows RFC 5952 (lowercase, no leading zeros, the longest run of two or more zero groups
 * shortened to `::`, the first run on a tie): the form node's net module and Go's net.IP print.
 * An IPv4-mapped address (::ffff:a.b.c.d) is returned as plain IPv4, as Kubernetes reports it,
 * so a dual-stack socket and an IPv4 socket name the same peer the same way.
 */

/** `a.b.c.d` from four bytes of `buf` at `offset`. */
export function formatIpv4 (buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`
}

/** IPv4 from a 32-bit number whose most significant byte is the first octet. */
export function formatIpv4Number (n: number): string {
  return `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`
}

/** Canonical text of an IPv6 address given as eight 16-bit groups (mapped IPv4 becomes IPv4). */
export function formatIpv6Groups (g: ArrayLike<number>): string {
  const g0 = g[0] ?? 0
  const g5 = g[5] ?? 0
  if (g0 === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g5 === 0xffff) {
    const hi = g[6] ?? 0
    const lo = g[7] ?? 0
    return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`
  }
  // Longest run of zero groups (length >= 2), first one on a tie.
  let bestStart = -1
  let bestLen = 0
  let runStart = -1
  for (let i = 0; i < 8; i++) {
    if ((g[i] ?? 0) === 0) {
      if (runStart < 0) runStart = i
      const len = i - runStart + 1
      if (len > bestLen) { bestLen = len; bestStart = runStart }
    } else {
      runStart = -1
    }
  }
  if (bestLen < 2) bestStart = -1
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::'
      i += bestLen - 1
      continue
    }
    if (out !== '' && !out.endsWith(':')) out += ':'
    out += (g[i] ?? 0).toString(16)
  }
  return out
}

const scratch = new Uint16Array(8)

/** Canonical text of the 16-byte IPv6 address in `buf` at `offset` (network byte order). */
export function formatIpv6 (buf: Uint8Array, offset: number): string {
  for (let i = 0; i < 8; i++) {
    scratch[i] = ((buf[offset + 2 * i] ?? 0) << 8) | (buf[offset + 2 * i + 1] ?? 0)
  }
  return formatIpv6Groups(scratch)
}
