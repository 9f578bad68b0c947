/**
 * IPv4/IPv6 and UDP/TCP headers: where the addresses are, ports, TCP sequence and flags, and where
 * the payload is. No address text: callers format (address-intern.ts) only what they keep.
 * Pure; the caller owns one `Datagram` and passes it to every call. Every length in a header is
 * checked against the captured length, so a lying header is skipped with a reason, never read past.
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './link-layer.js'

export const IPPROTO_TCP = 6
export const IPPROTO_UDP = 17

export const TCP_FIN = 0x01
export const TCP_SYN = 0x02
export const TCP_RST = 0x04
export const TCP_ACK = 0x10

export interface Datagram {
  family: 4 | 6
  /** IPPROTO_UDP or IPPROTO_TCP. */
  protocol: number
  /** TCP only: sequence number and flags (FIN, SYN, RST, ACK...). */
  seq: number
  tcpFlags: number
  /** Where the source and destination address bytes (4 or 16) start in the frame. */
  srcIpOffset: number
  dstIpOffset: number
  srcPort: number
  dstPort: number
  /** Offset and length of the UDP or TCP payload in the frame. */
  payloadOffset: number
  payloadLength: number
}

export function createDatagram (): Datagram {
  return { family: 4, protocol: IPPROTO_UDP, seq: 0, tcpFlags: 0, srcIpOffset: 0, dstIpOffset: 0, srcPort: 0, dstPort: 0, payloadOffset: 0, payloadLength: 0 }
}

/** Why a packet was skipped at the IP or UDP layer. */
export type IpSkip =
  | 'truncated-ip' // fewer bytes than a minimal header
  | 'bad-ip-header' // wrong version, IHL below 5, header longer than the packet
  | 'bad-ip-length' // total/payload length beyond the captured bytes (or shorter than the header)
  | 'fragment' // IPv4 MF or non-zero offset, IPv6 fragment header: not reassembled
  | 'not-udp' // any transport other than UDP and TCP
  | 'bad-udp-length' // UDP header truncated or its length field lies
  | 'bad-tcp-header' // TCP header truncated or its data offset lies

const MAX_IPV6_EXTENSIONS = 8

/**
 * Decode the IP packet at `ipOffset` (of family `etherType`) in `frame[0, length)` into `out`.
 * Returns null when `out` holds a UDP datagram or TCP segment, else why the packet was skipped.
 */
export function decodeIpUdp (frame: Uint8Array, length: number, ipOffset: number, etherType: number, out: Datagram): IpSkip | null {
  if (length > frame.length) length = frame.length
  let off = ipOffset
  let end: number
  let protocol: number
  if (etherType === ETHERTYPE_IPV4) {
    if (length - off < 20) return 'truncated-ip'
    const vihl = frame[off]!
    if (vihl >> 4 !== 4) return 'bad-ip-header'
    const headerLength = (vihl & 0x0f) * 4
    if (headerLength < 20) return 'bad-ip-header'
    const totalLength = (frame[off + 2]! << 8) | frame[off + 3]!
    if (totalLength < headerLength) return 'bad-ip-length'
    if (off + totalLength > length) return 'bad-ip-length'
    const fragment = (frame[off + 6]! << 8) | frame[off + 7]!
    if ((fragment & 0x3fff) !== 0) return 'fragment' // MF set or offset non-zero
    protocol = frame[off + 9]!
    if (protocol !== IPPROTO_UDP && protocol !== IPPROTO_TCP) return 'not-udp'
    out.family = 4
    out.srcIpOffset = off + 12
    out.dstIpOffset = off + 16
    end = off + totalLength // Ethernet padding after it is ignored
    off += headerLength
  } else if (etherType === ETHERTYPE_IPV6) {
    if (length - off < 40) return 'truncated-ip'
    if (frame[off]! >> 4 !== 6) return 'bad-ip-header'
    const payloadLength = (frame[off + 4]! << 8) | frame[off + 5]!
    end = off + 40 + payloadLength
    if (payloadLength === 0 || end > length) return 'bad-ip-length' // 0 would be a jumbogram
    const base = off
    protocol = frame[off + 6]!
    off += 40
    for (let n = 0; ; n++) {
      if (protocol === IPPROTO_UDP || protocol === IPPROTO_TCP) break
      if (protocol === 44) return 'fragment'
      let extLength: number
      if (protocol === 0 || protocol === 43 || protocol === 60) { // hop-by-hop, routing, destination options
        if (end - off < 2) return 'bad-ip-length'
        extLength = (frame[off + 1]! + 1) * 8
      } else if (protocol === 51) { // authentication header
        if (end - off < 2) return 'bad-ip-length'
        extLength = (frame[off + 1]! + 2) * 4
      } else {
        return 'not-udp'
      }
      if (n >= MAX_IPV6_EXTENSIONS) return 'bad-ip-header'
      if (off + extLength > end) return 'bad-ip-length'
      protocol = frame[off]!
      off += extLength
    }
    out.family = 6
    out.srcIpOffset = base + 8
    out.dstIpOffset = base + 24
  } else {
    return 'bad-ip-header'
  }
  out.protocol = protocol
  if (protocol === IPPROTO_TCP) {
    if (end - off < 20) return 'bad-tcp-header'
    const dataOffset = (frame[off + 12]! >> 4) * 4
    if (dataOffset < 20 || off + dataOffset > end) return 'bad-tcp-header'
    out.srcPort = (frame[off]! << 8) | frame[off + 1]!
    out.dstPort = (frame[off + 2]! << 8) | frame[off + 3]!
    out.seq = ((frame[off + 4]! << 24) | (frame[off + 5]! << 16) | (frame[off + 6]! << 8) | frame[off + 7]!) >>> 0
    out.tcpFlags = frame[off + 13]!
    out.payloadOffset = off + dataOffset
    out.payloadLength = end - off - dataOffset
    return null
  }
  if (end - off < 8) return 'bad-udp-length'
  const udpLength = (frame[off + 4]! << 8) | frame[off + 5]!
  if (udpLength < 8 || off + udpLength > end) return 'bad-udp-length'
  out.srcPort = (frame[off]! << 8) | frame[off + 1]!
  out.dstPort = (frame[off + 2]! << 8) | frame[off + 3]!
  out.payloadOffset = off + 8
  out.payloadLength = udpLength - 8
  return null
}
