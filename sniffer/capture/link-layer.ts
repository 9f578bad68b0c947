/**
 * Link-layer framing: where the IP header starts in a captured frame.
 * Pure; the caller owns one `LinkResult` and passes it to every call (no allocation per packet).
 */

/** The link types podmap decodes, by their libpcap LINKTYPE_ value. */
export const LinkKind = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  LINUX_SLL2: 276
} as const
export type LinkKind = typeof LinkKind[keyof typeof LinkKind]

export const ETHERTYPE_IPV4 = 0x0800
export const ETHERTYPE_IPV6 = 0x86dd
const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
const MAX_VLAN_TAGS = 2

/** Linux packet types (SLL/SLL2): who the frame was for. */
export const PacketType = {
  NONE: -1, // link type without one (Ethernet, raw IP)
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHERHOST: 3,
  OUTGOING: 4
} as const

export interface LinkResult {
  /** Offset of the IP header in the frame. */
  ipOffset: number
  /** ETHERTYPE_IPV4, ETHERTYPE_IPV6, or whatever else the frame carried. */
  etherType: number
  /** SLL packet type (PacketType), or -1 where the link layer has none. */
  packetType: number
}

export function createLinkResult (): LinkResult {
  return { ipOffset: 0, etherType: 0, packetType: PacketType.NONE }
}

/** Why a frame was skipped at the link layer. */
export type LinkSkip = 'truncated-link' | 'not-ip'

/**
 * The link kind for what `cap`'s open() returned ('ETHERNET', 'LINKTYPE_LINUX_SLL', 'RAW', 'NULL',
 * or 'Unknown linktype N'), for the bare names ('LINUX_SLL', 'LINUX_SLL2'), or for a numeric
 * DLT/LINKTYPE value (1, 113, 276, 101, 12 and 14 for DLT_RAW, 0). Undefined if unsupported.
 */
export function parseLinkType (type: string | number): LinkKind | undefined {
  let n: number
  if (typeof type === 'number') {
    n = type
  } else {
    const name = type.trim().toUpperCase().replace(/^LINKTYPE_/, '').replace(/^DLT_/, '')
    switch (name) {
      case 'NULL': return LinkKind.NULL
      case 'ETHERNET': case 'EN10MB': return LinkKind.ETHERNET
      case 'RAW': return LinkKind.RAW
      case 'LINUX_SLL': return LinkKind.LINUX_SLL
      case 'LINUX_SLL2': return LinkKind.LINUX_SLL2
    }
    const m = /^UNKNOWN LINKTYPE (\d+)$/.exec(name) ?? /^(\d+)$/.exec(name)
    if (m?.[1] === undefined) return undefined
    n = Number(m[1])
  }
  switch (n) {
    case 0: return LinkKind.NULL
    case 1: return LinkKind.ETHERNET
    case 12: case 14: case 101: return LinkKind.RAW // DLT_RAW is 12 on Linux, 14 on OpenBSD
    case 113: return LinkKind.LINUX_SLL
    case 276: return LinkKind.LINUX_SLL2
    default: return undefined
  }
}

/**
 * Fill `out` for the frame `frame[0, length)`. Returns null on success, or why the frame was skipped.
 * `length` is the captured length (cap's nbytes); the buffer may be longer.
 */
export function decodeLinkLayer (kind: LinkKind, frame: Uint8Array, length: number, out: LinkResult): LinkSkip | null {
  if (length > frame.length) length = frame.length
  out.packetType = PacketType.NONE
  switch (kind) {
    case LinkKind.ETHERNET: {
      let off = 12
      if (length < off + 2) return 'truncated-link'
      let type = (frame[off]! << 8) | frame[off + 1]!
      for (let tags = 0; (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) && tags < MAX_VLAN_TAGS; tags++) {
        off += 4
        if (length < off + 2) return 'truncated-link'
        type = (frame[off]! << 8) | frame[off + 1]!
      }
      out.etherType = type
      out.ipOffset = off + 2
      break
    }
    case LinkKind.LINUX_SLL: {
      if (length < 16) return 'truncated-link'
      out.packetType = (frame[0]! << 8) | frame[1]!
      out.etherType = (frame[14]! << 8) | frame[15]!
      out.ipOffset = 16
      break
    }
    case LinkKind.LINUX_SLL2: {
      if (length < 20) return 'truncated-link'
      out.etherType = (frame[0]! << 8) | frame[1]!
      out.packetType = frame[10]!
      out.ipOffset = 20
      break
    }
    case LinkKind.RAW: {
      if (length < 1) return 'truncated-link'
      const version = frame[0]! >> 4
      out.etherType = version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : 0
      out.ipOffset = 0
      break
    }
    case LinkKind.NULL: {
      // 4-byte address family in the capturing host's byte order: accept either order.
      if (length < 4) return 'truncated-link'
      const le = frame[0]! | (frame[1]! << 8) | (frame[2]! << 16) | (frame[3]! << 24)
      const be = (frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!
      const family = (le >>> 0) < 256 ? le : be
      out.etherType = family === 2 ? ETHERTYPE_IPV4 : (family === 10 || family === 24 || family === 28 || family === 30) ? ETHERTYPE_IPV6 : 0
      out.ipOffset = 4
      break
    }
    default:
      return 'not-ip'
  }
  if (out.etherType !== ETHERTYPE_IPV4 && out.etherType !== ETHERTYPE_IPV6) return 'not-ip'
  return null
}
