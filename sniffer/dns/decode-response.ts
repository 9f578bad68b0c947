/**
 * One DNS message -> "name resolved to these addresses", or why it was not interesting.
 * The header is checked first, so queries, NXDOMAINs and answerless responses (most of the traffic
 * a Kubernetes search list makes) stop there. The rest is read straight off the wire: the question
 * name, then only A, AAAA and CNAME answers (a full decode of every record cost ~3x more per
 * response; see bench/dns-decode.bench.ts).
 */
import { ipv4Text, ipv6Text } from '../capture/address-intern.js'
import { MAX_ANSWERS_PER_RECORD } from '../../src/contract/report-limits.js'

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
  | 'truncated' // TC set over UDP: the answer is cut short; the client retries over TCP, seen there
  | 'nxdomain' // RCODE 3
  | 'rcode' // any other non-zero RCODE (SERVFAIL, REFUSED, ...)
  | 'no-question' // QDCOUNT 0, or an empty/root question name
  | 'no-address' // no A/AAAA reachable from the question name (e.g. NODATA, MX-only, dangling CNAME)
  | 'cname-loop' // the CNAME chain comes back on itself
  | 'cname-chain-too-long' // more than MAX_CNAME_CHAIN CNAMEs
  | 'malformed' // not a DNS message: too short, a name or record running past the end, a pointer loop
  | 'tcp-control' // a TCP segment from port 53 without payload (handshake, ACK, FIN, RST)
  | 'tcp-partial' // a TCP segment whose bytes wait in its flow for the rest of the message

/** Reasons that mean the bytes were broken, as opposed to a valid message that carries nothing for us. */
export const DNS_ERROR_REASONS: ReadonlySet<DnsSkip> = new Set<DnsSkip>(['malformed'])

export const MAX_CNAME_CHAIN = 16
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
  if ((flagsHi & 0x02) !== 0) return 'truncated'
  const rcode = flagsLo & 0x0f
  if (rcode === 3) return 'nxdomain'
  if (rcode !== 0) return 'rcode'
  const qdcount = (buf[offset + 4]! << 8) | buf[offset + 5]!
  const ancount = (buf[offset + 6]! << 8) | buf[offset + 7]!
  if (qdcount === 0) return 'no-question'
  if (ancount === 0) return 'no-address'

  const end = offset + length
  const question = readName(buf, offset, offset + HEADER_LENGTH, end)
  if (question === null) return 'malformed'
  let off = nameEnd + 4 // QTYPE, QCLASS
  if (off > end) return 'malformed'
  for (let q = 1; q < qdcount; q++) { // more questions are unusual; skip them
    if (readName(buf, offset, off, end) === null) return 'malformed'
    off = nameEnd + 4
    if (off > end) return 'malformed'
  }
  const name = question
  if (name === '') return 'no-question'
  if (name.length > MAX_NAME_LENGTH) return 'malformed'
  const records: WireRecord[] = []
  for (let i = 0; i < ancount; i++) {
    // Most owners are a pointer to the question name (offset 12): no need to read it again.
    let owner: string | null
    if (buf[off] === 0xc0 && buf[off + 1] === HEADER_LENGTH && off + 1 < end) {
      owner = name
      off += 2
    } else {
      owner = readName(buf, offset, off, end)
      if (owner === null) return 'malformed'
      off = nameEnd
    }
    if (off + 10 > end) return 'malformed'
    const type = (buf[off]! << 8) | buf[off + 1]!
    const ttl = buf.readUInt32BE(off + 4)
    const rdlength = (buf[off + 8]! << 8) | buf[off + 9]!
    off += 10
    if (off + rdlength > end) return 'malformed'
    if (type === TYPE_A) {
      if (rdlength !== 4) return 'malformed'
      records.push({ type, name: owner, ttl, data: ipv4Text(buf, off) })
    } else if (type === TYPE_AAAA) {
      if (rdlength !== 16) return 'malformed'
      records.push({ type, name: owner, ttl, data: ipv6Text(buf, off) })
    } else if (type === TYPE_CNAME) {
      const target = readName(buf, offset, off, off + rdlength)
      if (target === null) return 'malformed'
      records.push({ type, name: owner, ttl, data: target })
    }
    off += rdlength
  }
  return followChain(name, records)
}

const TYPE_A = 1
const TYPE_CNAME = 5
const TYPE_AAAA = 28
const MAX_POINTERS = 32

interface WireRecord { type: number, name: string, ttl: number, data: string }

const scratch = Buffer.alloc(256)

/**
 * Names already turned into strings, by a hash of their bytes: the same few hundred names come
 * back in every response, so each is made once (and hashed once by the maps that key on it).
 * Direct-mapped; a collision replaces the slot.
 */
const NAME_SLOTS = 2048
const names: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined)

/** The string of scratch[0, n), whose FNV-1a hash readName computed while copying it. */
function internName (n: number, h: number): string {
  const slot = (h ^ (h >>> 15)) & (NAME_SLOTS - 1)
  const known = names[slot]
  if (known !== undefined && known.length === n) {
    let same = true
    for (let i = 0; i < n; i++) if (known.charCodeAt(i) !== scratch[i]) { same = false; break }
    if (same) return known
  }
  const made = scratch.toString('latin1', 0, n)
  names[slot] = made
  return made
}

/** Where the name read by the last readName() ends in the message (after its pointer or root label). */
let nameEnd = 0

/**
 * The domain name at `at` in the message starting at `base`, lowercased, no trailing dot. Every
 * byte read (labels and compression pointers' targets) lies before `limit`; at most MAX_POINTERS
 * pointers are followed, so a pointer loop ends. Null if malformed.
 */
function readName (buf: Buffer, base: number, at: number, limit: number): string | null {
  // Labels are copied, lowercased, into one scratch buffer (hashed on the way) and turned into a string once.
  let n = 0
  let h = 0x811c9dc5
  let off = at
  let end = -1
  let pointers = 0
  for (;;) {
    if (off >= limit) return null
    const len = buf[off]!
    if (len === 0) { off++; break }
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= limit) return null
      if (end < 0) end = off + 2
      if (++pointers > MAX_POINTERS) return null
      off = base + (((len & 0x3f) << 8) | buf[off + 1]!)
      continue
    }
    if ((len & 0xc0) !== 0) return null // extended label types
    if (off + 1 + len > limit) return null
    if (n + len + 1 > 255) return null
    if (n > 0) { scratch[n++] = 0x2e; h = Math.imul(h ^ 0x2e, 0x01000193) } // '.'
    for (let i = off + 1; i <= off + len; i++) {
      let c = buf[i]!
      if (c >= 0x41 && c <= 0x5a) c += 0x20
      scratch[n++] = c
      h = Math.imul(h ^ c, 0x01000193)
    }
    off += 1 + len
  }
  nameEnd = end < 0 ? off : end
  return n === 0 ? '' : internName(n, h)
}

interface Owner {
  cname?: string
  cnameTtl: number
  addresses?: string[]
  addressTtl: number
}

function followChain (name: string, records: readonly WireRecord[]): DnsResponse | DnsSkip {
  // The common case: only addresses, all owned by the question name.
  let direct = records.length > 0
  for (const r of records) if (r.type === TYPE_CNAME || r.name !== name) { direct = false; break }
  if (direct) {
    const answers: string[] = []
    let ttl = Infinity
    for (const r of records) {
      if (!answers.includes(r.data)) answers.push(r.data)
      if (r.ttl < ttl) ttl = r.ttl
    }
    return { name, answers: answers.length > MAX_ANSWERS_PER_RECORD ? answers.slice(0, MAX_ANSWERS_PER_RECORD) : answers, ttl }
  }
  const owners = new Map<string, Owner>()
  for (const record of records) {
    const ttl = record.ttl
    const key = record.name
    let owner = owners.get(key)
    if (owner === undefined) {
      owner = { cnameTtl: Infinity, addressTtl: Infinity }
      owners.set(key, owner)
    }
    if (record.type === TYPE_CNAME) {
      owner.cname ??= record.data
      if (ttl < owner.cnameTtl) owner.cnameTtl = ttl
    } else {
      const address = record.data
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
        answers: owner.addresses.length > MAX_ANSWERS_PER_RECORD ? owner.addresses.slice(0, MAX_ANSWERS_PER_RECORD) : owner.addresses,
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
