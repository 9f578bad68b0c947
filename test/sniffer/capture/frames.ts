/** Builders for hand-made frames: Ethernet, SLL, SLL2, IPv4, IPv6, UDP. Test helpers only. */
import { isIPv4 } from 'node:net'

export function ipv4Bytes (address: string): Buffer {
  return Buffer.from(address.split('.').map(Number))
}

export function ipv6Bytes (address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined]
  const parse = (s: string | undefined): number[] => {
    if (s === undefined || s === '') return []
    const out: number[] = []
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const b = ipv4Bytes(part)
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!)
      } else {
        out.push(parseInt(part, 16))
      }
    }
    return out
  }
  const h = parse(head)
  const t = parse(tail)
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
  const buf = Buffer.alloc(16)
  groups.forEach((g, i) => buf.writeUInt16BE(g, 2 * i))
  return buf
}

export function udp (srcPort: number, dstPort: number, payload: Buffer, lengthOverride?: number): Buffer {
  const header = Buffer.alloc(8)
  header.writeUInt16BE(srcPort, 0)
  header.writeUInt16BE(dstPort, 2)
  header.writeUInt16BE(lengthOverride ?? payload.length + 8, 4)
  return Buffer.concat([header, payload])
}

/** A TCP segment: 20-byte header (no options), flags as in ip-udp.ts (SYN 0x02, ACK 0x10...). */
export function tcp (srcPort: number, dstPort: number, seq: number, flags: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(20)
  header.writeUInt16BE(srcPort, 0)
  header.writeUInt16BE(dstPort, 2)
  header.writeUInt32BE(seq >>> 0, 4)
  header[12] = 5 << 4
  header[13] = flags
  header.writeUInt16BE(65535, 14)
  return Buffer.concat([header, payload])
}

export interface Ipv4Options {
  src: string
  dst: string
  protocol?: number
  /** IP options, padded by the caller to a multiple of 4 bytes. */
  options?: Buffer
  moreFragments?: boolean
  fragmentOffset?: number
  totalLengthOverride?: number
  ihlOverride?: number
}

export function ipv4 (o: Ipv4Options, payload: Buffer): Buffer {
  const options = o.options ?? Buffer.alloc(0)
  const headerLength = 20 + options.length
  const header = Buffer.alloc(20)
  header[0] = 0x40 | (o.ihlOverride ?? headerLength / 4)
  header.writeUInt16BE(o.totalLengthOverride ?? headerLength + payload.length, 2)
  header.writeUInt16BE(0x1234, 4)
  header.writeUInt16BE((o.moreFragments === true ? 0x2000 : 0) | (o.fragmentOffset ?? 0), 6)
  header[8] = 64
  header[9] = o.protocol ?? 17
  ipv4Bytes(o.src).copy(header, 12)
  ipv4Bytes(o.dst).copy(header, 16)
  return Buffer.concat([header, options, payload])
}

export interface Ipv6Options {
  src: string
  dst: string
  nextHeader?: number
  /** Extension headers in order: each `type` is the header's own type; next-header bytes are filled in. */
  extensions?: Array<{ type: number, body: Buffer }>
  payloadLengthOverride?: number
}

export function ipv6 (o: Ipv6Options, payload: Buffer): Buffer {
  const exts = o.extensions ?? []
  const transport = o.nextHeader ?? 17
  const extBufs = exts.map((e, i) => {
    const b = Buffer.from(e.body)
    b[0] = exts[i + 1]?.type ?? transport
    return b
  })
  const rest = Buffer.concat([...extBufs, payload])
  const header = Buffer.alloc(40)
  header[0] = 0x60
  header.writeUInt16BE(o.payloadLengthOverride ?? rest.length, 4)
  header[6] = exts[0]?.type ?? transport
  header[7] = 64
  ipv6Bytes(o.src).copy(header, 8)
  ipv6Bytes(o.dst).copy(header, 24)
  return Buffer.concat([header, rest])
}

export function ip (src: string, dst: string, payload: Buffer, protocol = 17): Buffer {
  return isIPv4(src) ? ipv4({ src, dst, protocol }, payload) : ipv6({ src, dst, nextHeader: protocol }, payload)
}

export function etherTypeOf (packet: Buffer): number {
  return packet[0]! >> 4 === 6 ? 0x86dd : 0x0800
}

export function ethernet (packet: Buffer, vlans: Array<{ tpid: number, vid: number }> = []): Buffer {
  const macs = Buffer.from('0200000000010200000000020000'.slice(0, 24), 'hex')
  const tags = vlans.map(({ tpid, vid }) => {
    const t = Buffer.alloc(4)
    t.writeUInt16BE(tpid, 0)
    t.writeUInt16BE(vid, 2)
    return t
  })
  const type = Buffer.alloc(2)
  type.writeUInt16BE(etherTypeOf(packet), 0)
  return Buffer.concat([macs, ...tags, type, packet])
}

export function sll (packetType: number, packet: Buffer): Buffer {
  const h = Buffer.alloc(16)
  h.writeUInt16BE(packetType, 0)
  h.writeUInt16BE(1, 2) // ARPHRD_ETHER
  h.writeUInt16BE(6, 4)
  h.writeUInt16BE(etherTypeOf(packet), 14)
  return Buffer.concat([h, packet])
}

export function sll2 (packetType: number, packet: Buffer): Buffer {
  const h = Buffer.alloc(20)
  h.writeUInt16BE(etherTypeOf(packet), 0)
  h.writeUInt32BE(7, 4) // ifindex
  h.writeUInt16BE(1, 8)
  h[10] = packetType
  h[11] = 6
  return Buffer.concat([h, packet])
}
