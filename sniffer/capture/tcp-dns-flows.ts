/**
 * DNS over TCP, server -> client direction: each message is a 2-byte length then the message, and a
 * message may span segments (or several share one). Segments are appended in sequence order per
 * flow; a flow is keyed by the client's address and port only, so the copy of a segment that a
 * second veth shows (or that reverse DNAT gave another source address) is recognised by its
 * sequence number and ignored.
 *
 * Bounded: at most `maxFlows` flows (the least recently used is evicted), at most one message
 * (65,537 bytes) buffered per flow, idle flows expire. A gap (a segment lost or out of order)
 * drops the flow's partial message: counted, never guessed at. Pure: time is passed in.
 */

export type TcpDnsDrop =
  | 'tcp-gap' // a segment after a hole in the sequence: the partial message is dropped
  | 'tcp-flow-evicted' // too many flows at once: the least recently used one lost its partial message
  | 'tcp-flow-expired' // a partial message that waited longer than the idle timeout

/** What became of a segment that completed no message: every segment is accounted for. */
export type TcpSegmentOutcome =
  | 'tcp-control' // no payload (SYN-ACK, ACK, FIN, RST)
  | 'tcp-duplicate' // every byte already seen (the other veth's copy, a retransmission)
  | 'tcp-partial' // it completed no message: its bytes wait for the rest (or held only empty ones)

export interface TcpDnsFlowsOptions {
  maxFlows?: number
  idleMs?: number
  onMessage: (client: string, message: Buffer) => void
  onDrop: (reason: TcpDnsDrop) => void
  /** A segment that completed no message (a message dropped later is reported by onDrop too). */
  onSegment?: (outcome: TcpSegmentOutcome) => void
}

interface Flow {
  /** Sequence number of the next byte expected; -1 until the first byte is placed. */
  next: number
  /** Bytes received of the current message (length prefix included), contiguous. */
  parts: Buffer[]
  bytes: number
  lastAt: number
}

const MAX_MESSAGE = 2 + 65_535
const SEQ_MOD = 2 ** 32

/** Signed distance from sequence number a to b, modulo 2^32. */
function seqDelta (a: number, b: number): number {
  let d = (b - a) % SEQ_MOD
  if (d > SEQ_MOD / 2) d -= SEQ_MOD
  else if (d < -SEQ_MOD / 2) d += SEQ_MOD
  return d
}

export class TcpDnsFlows {
  private readonly flows = new Map<string, Flow>()
  private readonly maxFlows: number
  private readonly idleMs: number

  constructor (private readonly options: TcpDnsFlowsOptions) {
    this.maxFlows = options.maxFlows ?? 1024
    this.idleMs = options.idleMs ?? 10_000
  }

  get size (): number { return this.flows.size }

  /**
   * One segment from a DNS server (source port 53) to `client`:`clientPort`. `payload` may be a
   * view of a reused buffer: whatever is kept is copied.
   */
  segment (client: string, clientPort: number, seq: number, flags: { syn: boolean, fin: boolean, rst: boolean }, payload: Buffer, at: number): void {
    const key = `${client} ${clientPort}`
    let flow = this.flows.get(key)
    if (flags.rst) {
      if (flow !== undefined) this.flows.delete(key)
      this.options.onSegment?.('tcp-control')
      return
    }
    if (flags.syn) {
      // SYN-ACK: the data starts at seq + 1. A fresh connection replaces a stale flow.
      this.flows.delete(key)
      this.insert(key, { next: (seq + 1) % SEQ_MOD, parts: [], bytes: 0, lastAt: at })
      this.options.onSegment?.('tcp-control')
      return
    }
    if (payload.length === 0) {
      if (flags.fin && flow !== undefined && flow.bytes === 0) this.flows.delete(key)
      this.options.onSegment?.('tcp-control')
      return
    }
    if (flow === undefined) {
      // Joined mid-connection (capture started after the handshake): assume a message starts here.
      flow = { next: seq, parts: [], bytes: 0, lastAt: at }
      this.insert(key, flow)
    } else {
      // Refresh LRU position.
      this.flows.delete(key)
      this.flows.set(key, flow)
    }
    flow.lastAt = at
    const d = seqDelta(flow.next, seq)
    let data = payload
    if (d > 0) {
      this.options.onDrop('tcp-gap')
      flow.parts = []
      flow.bytes = 0
      flow.next = seq
    } else if (d < 0) {
      if (-d >= payload.length) { this.options.onSegment?.('tcp-duplicate'); return } // the other veth's copy, a retransmission
      data = payload.subarray(-d)
    }
    flow.next = (flow.next + data.length) % SEQ_MOD
    if (this.consume(client, flow, data) === 0) this.options.onSegment?.('tcp-partial')
    if (flags.fin && flow.bytes === 0) this.flows.delete(key)
  }

  /** Drops flows idle for longer than the timeout; call now and then (e.g. once a second). */
  expire (now: number): void {
    for (const [key, flow] of this.flows) {
      if (now - flow.lastAt <= this.idleMs) break // Map order is least recently used first
      this.flows.delete(key)
      if (flow.bytes > 0) this.options.onDrop('tcp-flow-expired')
    }
  }

  private insert (key: string, flow: Flow): void {
    while (this.flows.size >= this.maxFlows) {
      const oldest = this.flows.keys().next()
      if (oldest.done === true) break
      const evicted = this.flows.get(oldest.value)
      this.flows.delete(oldest.value)
      if (evicted !== undefined && evicted.bytes > 0) this.options.onDrop('tcp-flow-evicted')
    }
    this.flows.set(key, flow)
  }

  /** Appends a segment's new bytes; returns how many (non-empty) messages it completed. */
  private consume (client: string, flow: Flow, data: Buffer): number {
    // Fast path: nothing buffered and whole messages in this segment, decoded in place.
    let off = 0
    let completed = 0
    if (flow.bytes === 0) {
      while (data.length - off >= 2) {
        const length = data.readUInt16BE(off)
        if (data.length - off - 2 < length) break
        if (length > 0) { this.options.onMessage(client, data.subarray(off + 2, off + 2 + length)); completed++ }
        off += 2 + length
      }
      if (off === data.length) return completed
    }
    const rest = Buffer.from(data.subarray(off)) // copy: the capture buffer is reused
    flow.parts.push(rest)
    flow.bytes += rest.length
    while (flow.bytes >= 2) {
      const joined = flow.parts.length === 1 ? flow.parts[0]! : Buffer.concat(flow.parts, flow.bytes)
      const length = joined.readUInt16BE(0)
      if (joined.length - 2 < length) {
        flow.parts = [joined]
        if (flow.bytes > MAX_MESSAGE) { flow.parts = []; flow.bytes = 0 } // cannot happen: length <= 65535
        return completed
      }
      if (length > 0) { this.options.onMessage(client, joined.subarray(2, 2 + length)); completed++ }
      const remaining = joined.subarray(2 + length)
      flow.parts = remaining.length > 0 ? [remaining] : []
      flow.bytes = remaining.length
    }
    return completed
  }
}
