/**
 * Address text without a new string per packet: a node's DNS traffic names the same few hundred
 * clients and answers over and over, so each address is formatted once and the same string is
 * handed out again (its hash is computed once, which also makes the collector's lookups cheaper).
 * Bounded: a table past MAX_ENTRIES is emptied and refilled. Module state, like the decoder's scratch
 * buffer: one process, one capture.
 */
import { formatIpv4, formatIpv6 } from './ip-format.js'

const MAX_ENTRIES = 4096

const v4 = new Map<number, string>()
/** IPv6 by a fold of its four words, each entry checked against the words it was made from. */
const v6 = new Map<number, { w0: number, w1: number, w2: number, w3: number, text: string }>()

const word = (b: Uint8Array, o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!

/** `a.b.c.d` of the four bytes at `offset`. */
export function ipv4Text (buf: Uint8Array, offset: number): string {
  const key = word(buf, offset)
  let text = v4.get(key)
  if (text === undefined) {
    if (v4.size >= MAX_ENTRIES) v4.clear()
    text = formatIpv4(buf, offset)
    v4.set(key, text)
  }
  return text
}

/** Canonical IPv6 text (ip-format.ts) of the 16 bytes at `offset`. */
export function ipv6Text (buf: Uint8Array, offset: number): string {
  const w0 = word(buf, offset)
  const w1 = word(buf, offset + 4)
  const w2 = word(buf, offset + 8)
  const w3 = word(buf, offset + 12)
  const key = (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ w3) | 0
  const hit = v6.get(key)
  if (hit !== undefined && hit.w0 === w0 && hit.w1 === w1 && hit.w2 === w2 && hit.w3 === w3) return hit.text
  if (v6.size >= MAX_ENTRIES) v6.clear()
  const text = formatIpv6(buf, offset)
  v6.set(key, { w0, w1, w2, w3, text })
  return text
}

/** The address of `family` at `offset`. */
export function ipText (buf: Uint8Array, offset: number, family: 4 | 6): string {
  return family === 4 ? ipv4Text(buf, offset) : ipv6Text(buf, offset)
}
