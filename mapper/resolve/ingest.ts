/**
 * Report ingestion: times checked, records resolved to calls, calls recorded durably.
 *
 * Records whose times are out of bounds (record-times.ts) are refused one by one and counted; the rest
 * of the report is kept. Until the cluster view has caught up (the informers of the kinds resolution
 * needs have listed, or are known to be refused), reports are not resolved against an empty index:
 * they are held durably, in order, and resolved once it has (`drain`), so a mapper that starts during
 * an API outage still acknowledges and keeps every report. Held records are bounded: past
 * `maxHeldRecords` a report is answered 503 with Retry-After, and the sniffer keeps and retries it.
 * A socket record naming a pod or Service address the index does not know yet (a pod that called
 * before its IP reached the informers) waits and is resolved again (`retryEarly`, early-records.ts).
 */
import type { DnsRecord, Report, SocketRecord } from '../../src/contract/report.js'
import { MapperBusy } from '../../src/errors/catalogue.js'
import type { MapperMetrics } from '../metrics.js'
import type { Call } from '../store/call.js'
import type { MapStore } from '../store/map-store.js'
import type { Resolver } from './resolver.js'
import { refuseTimes, type TimeBounds } from './record-times.js'
import type { CallCaps } from './call-caps.js'
import { EarlyRecords } from './early-records.js'
import { Interned } from '../kube/intern.js'

export interface IngestResult { calls: number, refused: number, held: boolean }

export interface Ingestor {
  /** Counts what the store already holds (after a restart); call once before ingesting. */
  init: () => Promise<void>
  ingest: (report: Report) => Promise<IngestResult>
  /** Resolves held reports if the cluster view has caught up; returns how many were resolved. */
  drain: () => Promise<number>
  heldRecords: () => number
  /** Resolves again the early records that are due (early-records.ts); returns how many calls that made. */
  retryEarly: () => Promise<number>
  earlyRecords: () => number
}

export interface IngestorDeps {
  resolver: Resolver
  map: MapStore
  metrics: MapperMetrics
  /** Bounds on record times around `now()`. */
  times: TimeBounds
  now?: () => number
  /** Whether the cluster view can resolve reports yet (always, when omitted). */
  caughtUp?: () => boolean
  /** Most records held unresolved at once (default 500,000). */
  maxHeldRecords?: number
  /** Caps on the map's growth (call-caps.ts): calls past them aggregated or dropped, counted. */
  caps?: CallCaps
  /** Most socket records waiting for an address the index does not know yet (default 50,000). */
  maxEarlyRecords?: number
}

/** The default bounds: 5 minutes ahead (clock skew), 30 days back (retention). */
export const DEFAULT_TIME_BOUNDS: TimeBounds = { maxFutureMs: 5 * 60_000, maxPastMs: 30 * 86_400_000 }

export function createIngestor (deps: IngestorDeps): Ingestor {
  const { resolver, map, metrics, times } = deps
  const now = deps.now ?? Date.now
  const caughtUp = deps.caughtUp ?? (() => true)
  const maxHeld = deps.maxHeldRecords ?? 500_000
  let heldRecords = 0
  let draining: Promise<number> | undefined

  const early = new EarlyRecords(deps.maxEarlyRecords)
  const queueEarly = (node: string, records: SocketRecord[], tries: number): void => {
    const dropped = early.add(node, records, now(), tries)
    if (dropped > 0) metrics.unresolved.inc({ reason: 'early-records-full' }, dropped)
    metrics.earlyRecords.set(early.size)
  }

  // One string per node name: each report parses its own copy, and calls keep it (explain samples).
  const nodeNames = new Interned<string>(50_000)

  /** Calls from `node`'s records; socket records naming an address not known yet are queued for try `tries` (none on the last). */
  const resolve = (reporter: string, dns: DnsRecord[], sockets: SocketRecord[], tries = 0, last = false): Call[] => {
    const node = nodeNames.get(reporter, () => reporter)
    const calls: Call[] = []
    const waiting: SocketRecord[] | undefined = last ? undefined : []
    // DNS first: external answers must be known before the sessions to those addresses.
    for (const rec of dns) resolver.dns(rec, calls, node)
    for (const rec of sockets) resolver.socket(rec, calls, node, waiting)
    for (const c of calls) c.node = node
    if (waiting !== undefined && waiting.length > 0) queueEarly(node, waiting, tries)
    return deps.caps ? deps.caps.admit(calls, node) : calls
  }

  /** The edge gauge; and the caps' tally rebuilt once the map holds fewer edges than it counts (reset, retention, renames). */
  const countEdges = async (): Promise<void> => {
    const n = await map.edgeCount()
    metrics.edges.set(n)
    if (deps.caps && n < deps.caps.size) deps.caps.load(await map.list())
  }

  const drainNow = async (): Promise<number> => {
    let n = 0
    while (heldRecords > 0 && caughtUp()) {
      const batch = await map.heldReports(64)
      if (batch.length === 0) { heldRecords = 0; break }
      for (const r of batch) {
        if (!caughtUp()) break
        await map.release(r.id, resolve(r.node, r.dns, r.sockets))
        heldRecords -= r.dns.length + r.sockets.length
        n++
      }
      metrics.heldRecords.set(heldRecords)
    }
    if (n > 0) await countEdges()
    return n
  }

  const ingestor: Ingestor = {
    async init () {
      heldRecords = await map.heldRecords()
      deps.caps?.load(await map.list())
      metrics.heldRecords.set(heldRecords)
    },
    async ingest (report) {
      const t = now()
      let refused = 0
      const keep = <R extends { firstSeen: number, lastSeen: number }>(recs: R[]): R[] => {
        const kept: R[] = []
        for (const rec of recs) {
          const why = refuseTimes(rec.firstSeen, rec.lastSeen, t, times)
          if (why) { metrics.recordsRefused.inc({ reason: why }); refused++ } else kept.push(rec)
        }
        return kept
      }
      const dns = keep(report.dns)
      const sockets = keep(report.sockets)
      metrics.recordsIngested.inc({ source: 'dns' }, report.dns.length)
      metrics.recordsIngested.inc({ source: 'socket' }, report.sockets.length)
      if (!caughtUp() || heldRecords > 0) {
        if (draining === undefined && caughtUp()) await ingestor.drain()
        if (heldRecords > 0 || !caughtUp()) {
          const n = dns.length + sockets.length
          if (heldRecords + n > maxHeld) throw MapperBusy(`the cluster view is not ready and ${heldRecords} records already wait for it (at most ${maxHeld}): retry later`)
          heldRecords += n
          metrics.heldRecords.set(heldRecords)
          await map.hold({ node: report.node, at: t, dns, sockets })
          return { calls: 0, refused, held: true }
        }
      }
      const calls = resolve(report.node, dns, sockets)
      await map.record(calls)
      await countEdges()
      return { calls: calls.length, refused, held: false }
    },
    async drain () {
      draining ??= drainNow().finally(() => { draining = undefined })
      return await draining
    },
    heldRecords: () => heldRecords,
    async retryEarly () {
      if (early.size === 0 || !caughtUp()) return 0
      const calls: Call[] = []
      for (const due of early.takeDue(now())) for (const c of resolve(due.node, [], due.records, due.tries, due.last)) calls.push(c)
      metrics.earlyRecords.set(early.size)
      if (calls.length === 0) return 0
      await map.record(calls)
      await countEdges()
      return calls.length
    },
    earlyRecords: () => early.size
  }
  return ingestor
}
