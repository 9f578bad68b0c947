/** Resolves a validated report and records its calls in the durable map. */
import type { Report } from '../../src/contract/report.js'
import type { MapperMetrics } from '../metrics.js'
import type { Call } from './call.js'
import type { DurableMap } from './durable-map.js'
import type { Resolver } from './resolver.js'

export interface Ingestor { ingest: (report: Report) => Promise<{ calls: number }> }

export function createIngestor (deps: { resolver: Resolver, map: DurableMap, metrics: MapperMetrics }): Ingestor {
  const { resolver, map, metrics } = deps
  return {
    async ingest (report) {
      const calls: Call[] = []
      // DNS first: external answers must be known before the sessions to those addresses.
      for (const rec of report.dns) resolver.dns(rec, calls)
      for (const rec of report.sockets) resolver.socket(rec, calls)
      await map.record(calls)
      metrics.recordsIngested.inc({ source: 'dns' }, report.dns.length)
      metrics.recordsIngested.inc({ source: 'socket' }, report.sockets.length)
      metrics.edges.set(map.store.size)
      return { calls: calls.length }
    }
  }
}
