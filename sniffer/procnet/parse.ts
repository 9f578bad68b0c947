/**
 * /proc/<pid>/net/{tcp,tcp6,udp,udp6} text -> rows. One pass over the text with index arithmetic:
 * no split, no regex, hex decoded digit by digit; address strings are cached by their value, since
 * a namespace repeats the same few addresses on every line. Malformed lines are counted, never thrown.
 *
 * Addresses are printed by the kernel as 32-bit words in host byte order (little-endian on the
 * x86-64 and arm64 nodes podmap targets). IPv4-mapped IPv6 becomes plain IPv4.
 */
import { formatIpv6Groups } from '../capture/ip-format.js'

/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
export const TcpState = {
  ESTABLISHED: 0x01,
  SYN_SENT: 0x02,
  SYN_RECV: 0x03,
  FIN_WAIT1: 0x04,
  FIN_WAIT2: 0x05,
  TIME_WAIT: 0x06,
  CLOSE: 0x07,
  CLOSE_WAIT: 0x08,
  LAST_ACK: 0x09,
  LISTEN: 0x0a,
  CLOSING: 0x0b
} as const

export interface ProcNetRow {
  localIp: string
  localPort: number
  remoteIp: string
  remotePort: number
  /** TcpState for tcp files; for udp, 0x07 (unconnected) or 0x01 (connected). */
  state: number
  inode: number
}

export interface ParseResult {
  rows: ProcNetRow[]
  /** Lines that were not the header and did not parse (reason 'bad-line'). */
  badLines: number
}

export interface ParseOptions {
  /** Keep only rows in these states (others are skipped before their addresses are formatted). */
  states?: readonly number[]
  /** Shared across calls to keep formatted addresses; bounded. */
  cache?: AddressCache
}

/** Formatted addresses by their hex text, cleared when it grows past `max` entries. */
export class AddressCache {
  private readonly map = new Map<string, string>()
  constructor (private readonly max = 50_000) {}
  get (hex: string): string | undefined { return this.map.get(hex) }
  set (hex: string, address: string): void {
    if (this.map.size >= this.max) this.map.clear()
    this.map.set(hex, address)
  }
}

const SPACE = 0x20
const TAB = 0x09
const NEWLINE = 0x0a
const COLON = 0x3a

function hexDigit (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** Value of the hex digits text[start, end) (at most 8), or -1 if any is not a hex digit. */
function hexValue (text: string, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) {
    const d = hexDigit(text.charCodeAt(i))
    if (d < 0) return -1
    value = value * 16 + d
  }
  return value
}

const groups = new Uint16Array(8)

/** Address text of the hex address text[start, end) (8 or 32 digits), or undefined. */
function address (text: string, start: number, end: number, cache: AddressCache): string | undefined {
  const hex = text.slice(start, end)
  const cached = cache.get(hex)
  if (cached !== undefined) return cached
  let result: string
  if (end - start === 8) {
    const n = hexValue(text, start, end)
    if (n < 0) return undefined
    result = `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}`
  } else {
    for (let w = 0; w < 4; w++) {
      const n = hexValue(text, start + 8 * w, start + 8 * w + 8)
      if (n < 0) return undefined
      groups[2 * w] = ((n & 0xff) << 8) | ((n >>> 8) & 0xff)
      groups[2 * w + 1] = (((n >>> 16) & 0xff) << 8) | (n >>> 24)
    }
    result = formatIpv6Groups(groups)
  }
  cache.set(hex, result)
  return result
}

/** Parse the whole text of one tcp/tcp6/udp/udp6 file. */
export function parseProcNet (text: string, options: ParseOptions = {}): ParseResult {
  const cache = options.cache ?? new AddressCache()
  let wanted: boolean[] | undefined
  if (options.states !== undefined) {
    wanted = new Array<boolean>(256).fill(false)
    for (const s of options.states) wanted[s & 0xff] = true
  }
  const rows: ProcNetRow[] = []
  const local: Endpoint = { ip: '', port: 0 }
  const remote: Endpoint = { ip: '', port: 0 }
  let badLines = 0
  const length = text.length
  // Token boundaries of the current line: starts[k], ends[k] for the first 10 tokens.
  const starts = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  const ends = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  let lineStart = 0
  while (lineStart < length) {
    let lineEnd = text.indexOf('\n', lineStart)
    if (lineEnd < 0) lineEnd = length
    // Tokenise up to 10 tokens.
    let count = 0
    let i = lineStart
    while (count < 10) {
      while (i < lineEnd && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++
      if (i >= lineEnd) break
      starts[count] = i
      while (i < lineEnd) {
        const c = text.charCodeAt(i)
        if (c === SPACE || c === TAB || c === NEWLINE) break
        i++
      }
      ends[count] = i
      count++
    }
    lineStart = lineEnd + 1
    if (count === 0) continue // blank line
    if (text.charCodeAt(starts[0]!) === 0x73 /* s */ && text.startsWith('sl', starts[0]!)) continue // header
    if (count < 10) { badLines++; continue }
    // Token 3: state (2 hex digits).
    const state = hexValue(text, starts[3]!, ends[3]!)
    if (state < 0 || ends[3]! - starts[3]! !== 2) { badLines++; continue }
    if (wanted !== undefined && wanted[state] !== true) continue
    // Tokens 1 and 2: ADDR:PORT with ADDR of 8 or 32 hex digits and PORT of 4.
    if (!endpoint(text, starts[1]!, ends[1]!, cache, local) || !endpoint(text, starts[2]!, ends[2]!, cache, remote)) { badLines++; continue }
    // Token 9: inode, decimal.
    let inode = 0
    let ok = ends[9]! > starts[9]!
    for (let k = starts[9]!; k < ends[9]!; k++) {
      const d = text.charCodeAt(k) - 0x30
      if (d < 0 || d > 9) { ok = false; break }
      inode = inode * 10 + d
    }
    // Past 2^53 the number would be rounded: a different socket's inode. Kernel inodes fit easily.
    if (!ok || inode > Number.MAX_SAFE_INTEGER) { badLines++; continue }
    rows.push({ localIp: local.ip, localPort: local.port, remoteIp: remote.ip, remotePort: remote.port, state, inode })
  }
  return { rows, badLines }
}

interface Endpoint { ip: string, port: number }

/** Decode `ADDR:PORT` in text[start, end) into `out`; false if malformed. */
function endpoint (text: string, start: number, end: number, cache: AddressCache, out: Endpoint): boolean {
  const colon = end - 5
  if (colon <= start || text.charCodeAt(colon) !== COLON) return false
  const width = colon - start
  if (width !== 8 && width !== 32) return false
  const port = hexValue(text, colon + 1, end)
  if (port < 0) return false
  const ip = address(text, start, colon, cache)
  if (ip === undefined) return false
  out.ip = ip
  out.port = port
  return true
}
