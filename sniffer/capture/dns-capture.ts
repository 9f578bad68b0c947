/**
 * DNS responses and connection SYNs off the wire with libpcap. The only file that imports `cap`,
 * as patched by patches/cap+0.2.1.patch (snaplen, immediate mode, read timeout, link type, batch
 * delivery, pcap_stats and setFilter; see BENCHMARKS.md for why). The filter (capture-filter.ts)
 * keeps in the kernel what is never mapped; on `any` it follows the node's addresses.
 */
import { createRequire } from 'node:module'
import { networkInterfaces } from 'node:os'
import type { Log } from '../../src/log/log.js'
import { CaptureFailed } from '../../src/errors/catalogue.js'
import type { DnsSkip } from '../dns/decode-response.js'
import type { SnifferMetrics } from '../metrics.js'
import { LinkKind, parseLinkType } from './link-layer.js'
import { createPacketDecoder, type CaptureMetrics, type ConnectObservation, type DnsObservation } from './packet-decoder.js'
import { DUPLICATE_WINDOW_MS, RecentKeys } from './recent-keys.js'
import { captureFilter, localSourcePrefixes, type KernelFilters } from './capture-filter.js'


/** Bytes handed over per JavaScript call in batch mode. */
const BATCH_BUFFER_SIZE = 64 << 10

export interface DnsCaptureOptions {
  /** Device to open, e.g. 'any' or 'eth0'. */
  device: string
  /** libpcap kernel buffer size in bytes. */
  bufferSize: number
  /** Bytes kept of each packet (default 4096: a UDP DNS response with EDNS fits). */
  snaplen?: number
  /** How long libpcap may hold packets before handing them over, ms (default 100). */
  timeoutMs?: number
  /** libpcap link type to ask for on the device (e.g. LinkKind.LINUX_SLL2 on any); its default if absent. */
  linkType?: number
  metrics: CaptureMetrics & Partial<Pick<SnifferMetrics, 'pcapDropped' | 'pcapIfDropped'>>
  log: Log
  onResponse: (observation: DnsObservation) => void
  onSkip?: (reason: DnsSkip) => void
  /** First SYNs of TCP connections; when given, the filter also captures them. */
  onConnect?: (observation: ConnectObservation) => void
  /** What the kernel drops (capture-filter.ts); both by default. `direction` applies on `any` only. */
  kernelFilters?: KernelFilters
  /** The node's addresses, for the direction filter; os.networkInterfaces() by default. */
  localAddresses?: () => Iterable<string>
  /** Window in which a response seen again (on a second veth) is counted once; 1000 ms by default. */
  duplicateWindowMs?: number
}

export interface PcapStats { received: number, dropped: number, ifDropped: number }

export interface DnsCapture {
  /** The link type libpcap reported, as cap named it. */
  readonly linkType: string
  /** Reads pcap_stats and adds what is new to the drop counters; returns the totals. */
  pollStats(): PcapStats | undefined
  /** The BPF filter in force. */
  readonly filter: string
  /** Reads the node's addresses again and, if the direction filter's prefixes changed, replaces the filter. True if it did. */
  refreshLocalSources(): boolean
  close(): void
}

/** The part of the patched cap's native `Cap` object used here. */
interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer, options: {
    snaplen: number, immediate: boolean, timeout: number, promisc: boolean, batch: boolean, linkType?: number
  }): string
  stats?: () => PcapStats
  setFilter?: (filter: string) => void
  on(event: 'packets', listener: (count: number, bytes: number) => void): void
  removeAllListeners(event?: string): void
  close(): void
}

/** Opens `device` and calls `onResponse` for each DNS response (counted once). Throws CaptureFailed. */
export function startDnsCapture (options: DnsCaptureOptions): DnsCapture {
  const { device, bufferSize, metrics, log } = options
  const filters = options.kernelFilters ?? { answers: true, direction: true }
  const localAddresses = options.localAddresses ?? nodeAddresses
  // Each packet shows once per interface it crosses only on `any`.
  const oneCopy = filters.direction && device === 'any'
  let sources = oneCopy ? localSourcePrefixes(localAddresses()) : null
  const filterFor = (localSources: string[] | null): string => captureFilter({ filters, syns: options.onConnect !== undefined, localSources })
  let filter = filterFor(sources)
  const require = createRequire(import.meta.url)
  const { Cap } = require('cap') as { Cap: new () => CapHandle }
  const cap = new Cap()
  if (typeof cap.stats !== 'function' || typeof cap.setFilter !== 'function') {
    throw CaptureFailed('the installed cap is not patched (no stats() or setFilter()): run `npx patch-package && npm rebuild cap`, or `npm ci`')
  }
  const buffer = Buffer.alloc(BATCH_BUFFER_SIZE)
  let linkType: string
  try {
    linkType = cap.open(device, filter, bufferSize, buffer, {
      snaplen: options.snaplen ?? 4096,
      // Immediate mode off: libpcap uses the TPACKET_V3 ring (variable-size frames in blocks)
      // instead of V2's fixed snaplen-sized slots; the timeout bounds the delay at low rates.
      immediate: false,
      timeout: options.timeoutMs ?? 100,
      // Promiscuous as stock cap was: no effect on `any`, but a bridge device given with
      // --interface shows forwarded packets only to a promiscuous capture.
      promisc: true,
      batch: true,
      ...(options.linkType !== undefined ? { linkType: options.linkType } : {})
    })
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
    ...(options.onConnect !== undefined ? { onConnect: options.onConnect } : {}),
    recent: new RecentKeys({ windowMs: options.duplicateWindowMs ?? DUPLICATE_WINDOW_MS })
  })
  // Each packet in the batch: 4-byte little-endian captured length, the bytes, padding to 4.
  cap.on('packets', (count, bytes) => {
    let off = 0
    for (let i = 0; i < count && off + 4 <= bytes; i++) {
      const length = buffer.readUInt32LE(off)
      const start = off + 4
      onPacket(buffer.subarray(start, start + length), length)
      off = start + ((length + 3) & ~3)
    }
  })

  let closed = false
  let last: PcapStats = { received: 0, dropped: 0, ifDropped: 0 }
  const pollStats = (): PcapStats | undefined => {
    if (closed) return last
    let now: PcapStats
    try { now = cap.stats!() } catch (err) { log.warn({ err }, 'pcap_stats failed'); return undefined }
    // libpcap's counters are 32-bit and wrap.
    const delta = (a: number, b: number): number => (b >= a ? b - a : b + 2 ** 32 - a)
    metrics.pcapDropped?.inc(delta(last.dropped, now.dropped))
    metrics.pcapIfDropped?.inc(delta(last.ifDropped, now.ifDropped))
    last = now
    return now
  }
  const refreshLocalSources = (): boolean => {
    if (closed || !oneCopy) return false
    let next: string[]
    try { next = localSourcePrefixes(localAddresses()) } catch (err) { log.warn({ err }, 'cannot list the node\'s addresses'); return false }
    if (next.join(' ') === sources?.join(' ')) return false
    const text = filterFor(next)
    try { cap.setFilter!(text) } catch (err) { log.error({ err, filter: text }, 'cannot replace the capture filter'); return false }
    log.info({ localSources: next }, 'the node\'s addresses changed: capture filter replaced')
    sources = next
    filter = text
    return true
  }
  return {
    linkType,
    pollStats,
    get filter () { return filter },
    refreshLocalSources,
    close () {
      if (closed) return
      pollStats()
      closed = true
      cap.removeAllListeners('packets')
      cap.close()
    }
  }
}

export { LinkKind }

/** Every address of every interface in this network namespace (the node's, in the DaemonSet). */
function nodeAddresses (): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address))
}
