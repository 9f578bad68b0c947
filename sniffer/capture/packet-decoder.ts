/**
 * The per-packet pipeline, free of libpcap so it can be fed built frames in tests:
 * link layer -> IP -> UDP (dedupe -> DNS) or TCP (DNS reassembly from port 53, or a connection's
 * first SYN) -> callbacks. Never throws.
 */
import type { Log } from '../../src/log/log.js'
import type { SnifferMetrics } from '../metrics.js'
import { DNS_ERROR_REASONS, decodeDnsResponse, type DnsSkip } from '../dns/decode-response.js'
import { createDatagram, decodeIpUdp, IPPROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './ip-udp.js'
import { createLinkResult, decodeLinkLayer, type LinkKind } from './link-layer.js'
import { DUPLICATE_WINDOW_MS, mixWords, RecentKeys } from './recent-keys.js'
import { ipText } from './address-intern.js'
import { TcpDnsFlows } from './tcp-dns-flows.js'

/** What the capture hands on: `client` was told that `name` is at `answers`. */
export interface DnsObservation {
  client: string
  name: string
  answers: string[]
  ttl: number
  /** Epoch milliseconds when the packet was decoded. */
  at: number
}

/** A TCP connection's first SYN: `client`:`clientPort` opened a connection to `server`:`port`. */
export interface ConnectObservation {
  client: string
  /** The client's port: with `client`, what the socket's local end shows, also when DNAT changed `server`. */
  clientPort: number
  server: string
  port: number
  at: number
}

export type CaptureMetrics = Pick<SnifferMetrics, 'packets' | 'duplicatePackets' | 'dnsResponses' | 'decodeErrors' | 'syns'>

export interface PacketDecoderDeps {
  linkKind: LinkKind
  metrics: CaptureMetrics
  log: Log
  onResponse: (observation: DnsObservation) => void
  /** Valid DNS messages that carry nothing for podmap (query, NXDOMAIN, NODATA, ...): not errors. */
  onSkip?: (reason: DnsSkip) => void
  /** Clock for `at` and the duplicate window; Date.now by default. */
  now?: () => number
  /** Duplicate window for DNS responses; a 1 s one by default. SYNs get their own of the same length. */
  recent?: RecentKeys
  /** A connection's first SYN (SYN without ACK); SYNs are ignored without it. */
  onConnect?: (observation: ConnectObservation) => void
  /** DNS-over-TCP reassembly; a default-bounded one if absent. */
  tcpFlows?: TcpDnsFlows
}

const MAX_EXCEPTION_LOGS = 10

/**
 * An address as one 32-bit key word: IPv4 exactly; IPv6 folded from its four words. A false
 * repeat would need two IPv6 clients whose folds collide to also share port, DNS id and length
 * (or port and sequence number) within one window.
 */
function addressWord (frame: Uint8Array, offset: number, family: 4 | 6): number {
  return family === 4 ? word(frame, offset) : mixWords(word(frame, offset), word(frame, offset + 4), word(frame, offset + 8)) ^ word(frame, offset + 12)
}

function word (frame: Uint8Array, o: number): number {
  return (frame[o]! << 24) | (frame[o + 1]! << 16) | (frame[o + 2]! << 8) | frame[o + 3]!
}

/** Returns the handler for one captured frame: `frame[0, length)` (frame may be a reused buffer). */
export function createPacketDecoder (deps: PacketDecoderDeps): (frame: Buffer, length: number) => void {
  const { linkKind, metrics, log, onResponse, onSkip, onConnect } = deps
  const now = deps.now ?? Date.now
  const recent = deps.recent ?? new RecentKeys({ windowMs: DUPLICATE_WINDOW_MS })
  const recentSyns = new RecentKeys({ windowMs: recent.windowMs })
  const link = createLinkResult()
  const datagram = createDatagram()
  let exceptionsLogged = 0
  let at = 0
  let lastExpiry = 0

  const decodeMessage = (client: string, buf: Buffer, offset: number, length: number): void => {
    const result = decodeDnsResponse(buf, offset, length)
    if (typeof result === 'string') {
      if (DNS_ERROR_REASONS.has(result)) metrics.decodeErrors.inc({ reason: result })
      else onSkip?.(result)
      return
    }
    metrics.dnsResponses.inc()
    onResponse({ client, name: result.name, answers: result.answers, ttl: result.ttl, at })
  }
  const flows = deps.tcpFlows ?? new TcpDnsFlows({
    onMessage: (client, message) => { decodeMessage(client, message, 0, message.length) },
    onDrop: (reason) => { metrics.decodeErrors.inc({ reason }) },
    onSegment: (outcome) => {
      if (outcome === 'tcp-duplicate') metrics.duplicatePackets.inc()
      else onSkip?.(outcome)
    }
  })
  const flagsOf = { syn: false, fin: false, rst: false }

  function onTcp (frame: Buffer): void {
    const { tcpFlags } = datagram
    if (datagram.srcPort === 53) {
      flagsOf.syn = (tcpFlags & TCP_SYN) !== 0
      flagsOf.fin = (tcpFlags & TCP_FIN) !== 0
      flagsOf.rst = (tcpFlags & TCP_RST) !== 0
      flows.segment(ipText(frame, datagram.dstIpOffset, datagram.family), datagram.dstPort, datagram.seq, flagsOf,
        frame.subarray(datagram.payloadOffset, datagram.payloadOffset + datagram.payloadLength), at)
      if (at - lastExpiry >= 1000) { lastExpiry = at; flows.expire(at) }
      return
    }
    // Anything else the capture filter let through (only port-53 segments and first SYNs are asked
    // for): counted, never silently passed over.
    if ((tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN || onConnect === undefined) { metrics.decodeErrors.inc({ reason: 'unexpected-tcp' }); return }
    // The same SYN on a second veth, possibly after DNAT changed its destination: the client's
    // address, port and initial sequence number stay the same.
    if (recentSyns.check(addressWord(frame, datagram.srcIpOffset, datagram.family), (datagram.srcPort << 4) | datagram.family, datagram.seq, at)) { metrics.duplicatePackets.inc(); return }
    metrics.syns.inc()
    onConnect({ client: ipText(frame, datagram.srcIpOffset, datagram.family), clientPort: datagram.srcPort, server: ipText(frame, datagram.dstIpOffset, datagram.family), port: datagram.dstPort, at })
  }

  return function onPacket (frame: Buffer, length: number): void {
    metrics.packets.inc()
    try {
      const linkSkip = decodeLinkLayer(linkKind, frame, length, link)
      if (linkSkip !== null) { metrics.decodeErrors.inc({ reason: linkSkip }); return }
      const ipSkip = decodeIpUdp(frame, length, link.ipOffset, link.etherType, datagram)
      if (ipSkip !== null) { metrics.decodeErrors.inc({ reason: ipSkip }); return }
      at = now()
      if (datagram.protocol === IPPROTO_TCP) { onTcp(frame); return }
      const { payloadOffset, payloadLength } = datagram
      if (payloadLength < 12) { metrics.decodeErrors.inc({ reason: 'malformed' }); return }
      const id = (frame[payloadOffset]! << 8) | frame[payloadOffset + 1]!
      // The same response crossing two veths has the same client address and port, DNS id and
      // length. Not the source address: kube-proxy's reverse DNAT rewrites it (CoreDNS pod IP ->
      // kube-dns ClusterIP) between the server's veth and the client's.
      if (recent.check(addressWord(frame, datagram.dstIpOffset, datagram.family), (datagram.dstPort << 16) | id, (payloadLength << 4) | datagram.family, at)) { metrics.duplicatePackets.inc(); return }
      decodeMessage(ipText(frame, datagram.dstIpOffset, datagram.family), frame, payloadOffset, payloadLength)
    } catch (err) {
      metrics.decodeErrors.inc({ reason: 'exception' })
      if (exceptionsLogged < MAX_EXCEPTION_LOGS) {
        exceptionsLogged++
        log.warn({ err, length }, exceptionsLogged === MAX_EXCEPTION_LOGS ? 'packet handler threw (logging no more of these)' : 'packet handler threw')
      }
    }
  }
}
