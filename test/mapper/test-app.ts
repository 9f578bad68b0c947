/** The mapper app over the fixture cluster, with an in-memory map: for inject() tests. */
import { Writable } from 'node:stream'
import { buildApp, type AppDeps } from '../../mapper/app.js'
import { createMapperMetrics } from '../../mapper/metrics.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { createLogger } from '../../src/log/logger.js'
import { DurableMap } from '../../mapper/store/durable-map.js'
import { Resolver } from '../../mapper/resolve/resolver.js'
import { createIngestor } from '../../mapper/resolve/ingest.js'
import { createTokenCheck } from '../../mapper/http/token-check.js'
import { shopIndex } from './fixtures.js'
import type { TimeBounds } from '../../mapper/resolve/record-times.js'

export const TEST_TOKEN = 's3cret-token-value'

export interface TestAppOptions {
  bodyLimit?: number
  /** The write token (default TEST_TOKEN). */
  token?: string
  /** Bounds on record times (default: 5 minutes ahead, a century back, so fixtures of any date pass). */
  times?: TimeBounds
  /** The mapper's clock for record-time bounds (default Date.now). */
  now?: () => number
  /** Any other app dependency to set or override (read token, rate limit, shadow, ...). */
  extra?: Partial<AppDeps>
}

export async function buildTestApp (opts: TestAppOptions = {}) {
  const logged: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { logged.push(String(chunk)); cb() } })
  const log = createLogger({ level: 'info', component: 'mapper', destination: sink })
  const registry = createRegistry('mapper')
  const metrics = createMapperMetrics(registry)
  const index = shopIndex()
  const map = new DurableMap({ log })
  const resolver = new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: (reason, n) => metrics.unresolved.inc({ reason }, n) })
  const app = await buildApp({
    log,
    registry,
    metrics,
    map,
    labelsOf: (id) => index.workloadPods(id).map((p) => p.labels),
    ingestor: createIngestor({ resolver, map, metrics, times: opts.times ?? { maxFutureMs: 5 * 60_000, maxPastMs: 100 * 365 * 86_400_000 }, now: opts.now }),
    checkToken: createTokenCheck(opts.token ?? TEST_TOKEN),
    readiness: { ready: () => true, detail: () => ({}) },
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    cluster: index,
    ...opts.extra
  })
  return { app, map, index, logged, registry }
}
