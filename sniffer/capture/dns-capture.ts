/**
 * DNS responses off the wire with libpcap. The only file that imports `cap`.
 */
import { createRequire } from 'node:module'
import type { Logger } from '../../src/log/logger.js'
import { createError } from '../../src/errors/coded-error.js'
import type { DnsSkip } from '../dns/decode-response.js'
import { parseLinkType } from './link-layer.js'
import { createPacketDecoder, type CaptureMetrics, type DnsObservation } from './packet-decoder.js'
import { RecentKeys } from './recent-keys.js'

export const CaptureFailed = createError('PODMAP_ERR_CAPTURE', 'cannot capture DNS responses', 1)

/**
 * Responses from port 53 over UDP, and TCP already (skipped as 'tcp-unsupported' until TCP
 * reassembly exists), over IPv4 and IPv6 alike.
 */
export const DNS_RESPONSE_FILTER = 'src port 53 and (udp or tcp)'

/** The largest frame libpcap hands over with cap's hard-coded 65,535-byte snaplen. */
const FRAME_BUFFER_SIZE = 65_535

export interface DnsCaptureOptions {
  /** Device to open, e.g. 'any' or 'eth0'. */
  device: string
  /** libpcap kernel buffer size in bytes. */
  bufferSize: number
  metrics: CaptureMetrics
  log: Logger
  onResponse: (observation: DnsObservation) => void
  onSkip?: (reason: DnsSkip) => void
  /** BPF filter; DNS_RESPONSE_FILTER by default. */
  filter?: string
  /** Window in which a response seen again (on a second veth) is counted once; 1000 ms by default. */
  duplicateWindowMs?: number
}

export interface DnsCapture {
  /** The link type libpcap reported, as cap named it. */
  readonly linkType: string
  close(): void
}

/** The part of cap's native `Cap` object used here. */
interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void
  removeAllListeners(event?: string): void
  close(): void
}

/** Opens `device` and calls `onResponse` for each DNS response (counted once). Throws CaptureFailed. */
export function startDnsCapture (options: DnsCaptureOptions): DnsCapture {
  const { device, bufferSize, metrics, log } = options
  const filter = options.filter ?? DNS_RESPONSE_FILTER
  const require = createRequire(import.meta.url)
  const { Cap } = require('cap') as { Cap: new () => CapHandle }
  const cap = new Cap()
  const buffer = Buffer.alloc(FRAME_BUFFER_SIZE)
  let linkType: string
  try {
    linkType = cap.open(device, filter, bufferSize, buffer)
  } catch (err) {
    throw CaptureFailed(`cannot open ${device} for capture: ${(err as Error).message}`, { cause: err })
  }
  const linkKind = parseLinkType(linkType)
  if (linkKind === undefined) {
    cap.close()
    throw CaptureFailed(`unsupported link type on ${device}: ${linkType}`)
  }
  const onPacket = createPacketDecoder({
    linkKind,
    metrics,
    log,
    onResponse: options.onResponse,
    ...(options.onSkip !== undefined ? { onSkip: options.onSkip } : {}),
    recent: new RecentKeys({ windowMs: options.duplicateWindowMs ?? 1000 })
  })
  cap.on('packet', (nbytes) => { onPacket(buffer, nbytes) })

  let closed = false
  return {
    linkType,
    close () {
      if (closed) return
      closed = true
      cap.removeAllListeners('packet')
      cap.close()
    }
  }
}
