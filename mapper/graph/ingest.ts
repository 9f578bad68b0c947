/** Resolves a validated report and adds its calls to the edge store. */
import type { Report } from '../../src/contract/report.js'
import type { MapperMetrics } from '../metrics.js'
import type { Call } from './call.js'
import type { EdgeStore } from './edge-store.js'
import type { Resolver } from './resolver.js'

export interface Ingestor { ingest: (report: Report) => { calls: number } }

export function createIngestor (deps: { resolver: Resolver, store: EdgeStore, metrics: MapperMetrics }): Ingestor {
  const { resolver, store, metrics } = deps
  const calls: Call[] = []
  return {
    ingest (report) {
      calls.length = 0
      // DNS first: external answers must be known before the sessions to those addresses.
      for (const rec of report.dns) resolver.dns(rec, calls)
      for (const rec of report.sockets) resolver.socket(rec, calls)
      for (const call of calls) store.add(call)
      metrics.recordsIngested.inc({ source: 'dns' }, report.dns.length)
      metrics.recordsIngested.inc({ source: 'socket' }, report.sockets.length)
      metrics.edges.set(store.size)
      return { calls: calls.length }
    }
  }
}
