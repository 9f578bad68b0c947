/**
 * The per-packet pipeline, free of libpcap so it can be fed built frames in tests:
 * link layer -> IP -> UDP -> (dedupe) -> DNS -> onResponse. Never throws.
 */
import type { Logger } from '../../src/log/logger.js'
import type { SnifferMetrics } from '../metrics.js'
import { DNS_ERROR_REASONS, decodeDnsResponse, type DnsSkip } from '../dns/decode-response.js'
import { createDatagram, decodeIpUdp } from './ip-udp.js'
import { createLinkResult, decodeLinkLayer, type LinkKind } from './link-layer.js'
import { RecentKeys } from './recent-keys.js'

/** What the capture hands on: `client` was told that `name` is at `answers`. */
export interface DnsObservation {
  client: string
  name: string
  answers: string[]
  ttl: number
  /** Epoch milliseconds when the packet was decoded. */
  at: number
}

export type CaptureMetrics = Pick<SnifferMetrics, 'packets' | 'duplicatePackets' | 'dnsResponses' | 'decodeErrors'>

export interface PacketDecoderDeps {
  linkKind: LinkKind
  metrics: CaptureMetrics
  log: Logger
  onResponse: (observation: DnsObservation) => void
  /** Valid DNS messages that carry nothing for podmap (query, NXDOMAIN, NODATA, ...): not errors. */
  onSkip?: (reason: DnsSkip) => void
  /** Clock for `at` and the duplicate window; Date.now by default. */
  now?: () => number
  /** Duplicate window; a 1 s one by default. */
  recent?: RecentKeys
}

const MAX_EXCEPTION_LOGS = 10

/** Returns the handler for one captured frame: `frame[0, length)` (frame may be a reused buffer). */
export function createPacketDecoder (deps: PacketDecoderDeps): (frame: Buffer, length: number) => void {
  const { linkKind, metrics, log, onResponse, onSkip } = deps
  const now = deps.now ?? Date.now
  const recent = deps.recent ?? new RecentKeys({ windowMs: 1000 })
  const link = createLinkResult()
  const datagram = createDatagram()
  let exceptionsLogged = 0

  return function onPacket (frame: Buffer, length: number): void {
    metrics.packets.inc()
    try {
      const linkSkip = decodeLinkLayer(linkKind, frame, length, link)
      if (linkSkip !== null) { metrics.decodeErrors.inc({ reason: linkSkip }); return }
      const ipSkip = decodeIpUdp(frame, length, link.ipOffset, link.etherType, datagram)
      if (ipSkip !== null) { metrics.decodeErrors.inc({ reason: ipSkip }); return }
      const { payloadOffset, payloadLength } = datagram
      if (payloadLength < 12) { metrics.decodeErrors.inc({ reason: 'malformed' }); return }
      const at = now()
      const id = (frame[payloadOffset]! << 8) | frame[payloadOffset + 1]!
      // The same response crossing two veths has the same client address and port, DNS id and
      // length. Not the source address: kube-proxy's reverse DNAT rewrites it (CoreDNS pod IP ->
      // kube-dns ClusterIP) between the server's veth and the client's.
      const key = `${datagram.dstIp} ${datagram.dstPort} ${id} ${payloadLength}`
      if (recent.check(key, at)) { metrics.duplicatePackets.inc(); return }
      const result = decodeDnsResponse(frame, payloadOffset, payloadLength)
      if (typeof result === 'string') {
        if (DNS_ERROR_REASONS.has(result)) metrics.decodeErrors.inc({ reason: result })
        else onSkip?.(result)
        return
      }
      metrics.dnsResponses.inc()
      onResponse({ client: datagram.dstIp, name: result.name, answers: result.answers, ttl: result.ttl, at })
    } catch (err) {
      metrics.decodeErrors.inc({ reason: 'exception' })
      if (exceptionsLogged < MAX_EXCEPTION_LOGS) {
        exceptionsLogged++
        log.warn({ err, length }, exceptionsLogged === MAX_EXCEPTION_LOGS ? 'packet handler threw (logging no more of these)' : 'packet handler threw')
      }
    }
  }
}
