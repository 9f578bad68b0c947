/**
 * Resolves a validated report and records its calls in the durable map. Records whose times are out
 * of bounds (record-times.ts) are refused one by one and counted; the rest of the report is kept.
 */
import type { Report } from '../../src/contract/report.js'
import type { MapperMetrics } from '../metrics.js'
import type { Call } from '../store/call.js'
import type { DurableMap } from '../store/durable-map.js'
import type { Resolver } from './resolver.js'
import { refuseTimes, type TimeBounds } from './record-times.js'

export interface Ingestor { ingest: (report: Report) => Promise<{ calls: number, refused: number }> }

export interface IngestorDeps {
  resolver: Resolver
  map: DurableMap
  metrics: MapperMetrics
  /** Bounds on record times around `now()`. */
  times: TimeBounds
  now?: () => number
}

/** The default bounds: 5 minutes ahead (clock skew), 30 days back (retention). */
export const DEFAULT_TIME_BOUNDS: TimeBounds = { maxFutureMs: 5 * 60_000, maxPastMs: 30 * 86_400_000 }

export function createIngestor (deps: IngestorDeps): Ingestor {
  const { resolver, map, metrics, times } = deps
  const now = deps.now ?? Date.now
  return {
    async ingest (report) {
      const calls: Call[] = []
      const t = now()
      let refused = 0
      // DNS first: external answers must be known before the sessions to those addresses.
      for (const rec of report.dns) {
        const why = refuseTimes(rec.firstSeen, rec.lastSeen, t, times)
        if (why) { metrics.recordsRefused.inc({ reason: why }); refused++; continue }
        resolver.dns(rec, calls)
      }
      for (const rec of report.sockets) {
        const why = refuseTimes(rec.firstSeen, rec.lastSeen, t, times)
        if (why) { metrics.recordsRefused.inc({ reason: why }); refused++; continue }
        resolver.socket(rec, calls)
      }
      await map.record(calls)
      metrics.recordsIngested.inc({ source: 'dns' }, report.dns.length)
      metrics.recordsIngested.inc({ source: 'socket' }, report.sockets.length)
      metrics.edges.set(map.store.size)
      return { calls: calls.length, refused }
    }
  }
}
