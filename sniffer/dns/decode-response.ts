/**
 * One DNS message -> "name resolved to these addresses", or why it was not interesting.
 * The header is checked by hand first, so queries, NXDOMAINs and answerless responses (most of the
 * traffic a Kubernetes search list makes) never reach dns-packet's full decode.
 */
import dnsPacket from 'dns-packet'

export interface DnsResponse {
  /** The question name: lowercase, no trailing dot. */
  name: string
  /** A and AAAA addresses reached from the question name through the CNAME chain, deduped. */
  answers: string[]
  /** The smallest TTL along the chain (CNAMEs and address records), in seconds. */
  ttl: number
}

/** Why a message produced no DnsResponse. Only those in DNS_ERROR_REASONS are errors. */
export type DnsSkip =
  | 'not-response' // QR=0: a query
  | 'opcode' // a response to something other than a standard QUERY
  | 'nxdomain' // RCODE 3
  | 'rcode' // any other non-zero RCODE (SERVFAIL, REFUSED, ...)
  | 'no-question' // QDCOUNT 0, or an empty/root question name
  | 'no-address' // no A/AAAA reachable from the question name (e.g. NODATA, MX-only, dangling CNAME)
  | 'cname-loop' // the CNAME chain comes back on itself
  | 'cname-chain-too-long' // more than MAX_CNAME_CHAIN CNAMEs
  | 'malformed' // not a DNS message: too short, or dns-packet could not decode it

/** Reasons that mean the bytes were broken, as opposed to a valid message that carries nothing for us. */
export const DNS_ERROR_REASONS: ReadonlySet<DnsSkip> = new Set<DnsSkip>(['malformed'])

export const MAX_CNAME_CHAIN = 16
/** The report contract allows at most 64 answers per record. */
export const MAX_ANSWERS = 64
const MAX_NAME_LENGTH = 253

const HEADER_LENGTH = 12

/**
 * Decode the DNS message in `buf[offset, offset + length)` (the buffer itself may be longer and
 * reused; nothing returned refers to it). Never throws.
 */
export function decodeDnsResponse (buf: Buffer, offset = 0, length = buf.length - offset): DnsResponse | DnsSkip {
  if (length < HEADER_LENGTH || offset < 0 || offset + length > buf.length) return 'malformed'
  const flagsHi = buf[offset + 2]!
  const flagsLo = buf[offset + 3]!
  if ((flagsHi & 0x80) === 0) return 'not-response'
  if ((flagsHi & 0x78) !== 0) return 'opcode'
  const rcode = flagsLo & 0x0f
  if (rcode === 3) return 'nxdomain'
  if (rcode !== 0) return 'rcode'
  const qdcount = (buf[offset + 4]! << 8) | buf[offset + 5]!
  const ancount = (buf[offset + 6]! << 8) | buf[offset + 7]!
  if (qdcount === 0) return 'no-question'
  if (ancount === 0) return 'no-address'

  let message: dnsPacket.DecodedPacket
  try {
    message = dnsPacket.decode(buf.subarray(offset, offset + length))
  } catch {
    return 'malformed'
  }
  // dns-packet reads a record's data without checking it fits (a cut AAAA decodes as `fd00::`):
  // a message that claims more bytes than it has is malformed.
  if (dnsPacket.decode.bytes > length) return 'malformed'
  const question = message.questions?.[0]
  if (question === undefined || typeof question.name !== 'string') return 'malformed'
  const name = canonicalName(question.name)
  if (name === '') return 'no-question'
  if (name.length > MAX_NAME_LENGTH) return 'malformed'
  return followChain(name, message.answers ?? [])
}

interface Owner {
  cname?: string
  cnameTtl: number
  addresses?: string[]
  addressTtl: number
}

function followChain (name: string, records: readonly dnsPacket.Answer[]): DnsResponse | DnsSkip {
  const owners = new Map<string, Owner>()
  for (const record of records) {
    if (record.type !== 'A' && record.type !== 'AAAA' && record.type !== 'CNAME') continue
    if (typeof record.name !== 'string' || typeof record.data !== 'string') return 'malformed'
    const ttl = typeof record.ttl === 'number' ? record.ttl : 0
    const key = canonicalName(record.name)
    let owner = owners.get(key)
    if (owner === undefined) {
      owner = { cnameTtl: Infinity, addressTtl: Infinity }
      owners.set(key, owner)
    }
    if (record.type === 'CNAME') {
      owner.cname ??= canonicalName(record.data)
      if (ttl < owner.cnameTtl) owner.cnameTtl = ttl
    } else {
      const address = record.type === 'A' ? record.data : canonicalIpv6(record.data)
      owner.addresses ??= []
      if (!owner.addresses.includes(address)) owner.addresses.push(address)
      if (ttl < owner.addressTtl) owner.addressTtl = ttl
    }
  }
  let ttl = Infinity
  let current = name
  const visited = new Set<string>()
  for (let hops = 0; ; hops++) {
    const owner = owners.get(current)
    if (owner === undefined) return 'no-address'
    if (owner.addresses !== undefined) {
      return {
        name,
        answers: owner.addresses.length > MAX_ANSWERS ? owner.addresses.slice(0, MAX_ANSWERS) : owner.addresses,
        ttl: Math.min(ttl, owner.addressTtl)
      }
    }
    if (owner.cname === undefined) return 'no-address'
    if (hops >= MAX_CNAME_CHAIN) return 'cname-chain-too-long'
    visited.add(current)
    ttl = Math.min(ttl, owner.cnameTtl)
    current = owner.cname
    if (visited.has(current)) return 'cname-loop'
  }
}

/** Lowercase, no trailing dot (dns-packet already drops it; a name from elsewhere may have one). */
function canonicalName (name: string): string {
  const lower = name.toLowerCase()
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

/**
 * dns-packet prints IPv6 in RFC 5952 form except that a mapped IPv4 comes out as `::ffff:102:304`;
 * podmap names those by their IPv4 address everywhere (see capture/ip-format.ts).
 */
function canonicalIpv6 (address: string): string {
  if (!address.startsWith('::ffff:')) return address
  const rest = address.slice(7)
  if (rest.includes('.')) return rest
  const parts = rest.split(':')
  if (parts.length !== 2) return address
  const hi = parseInt(parts[0]!, 16)
  const lo = parseInt(parts[1]!, 16)
  if (!(hi >= 0 && hi <= 0xffff && lo >= 0 && lo <= 0xffff)) return address
  return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`
}
