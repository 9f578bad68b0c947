/**
 * The mapper's object graph, built in one place: metrics, the cluster index, the durable map, the
 * resolver and ingestor, shadow mode, exports' cluster lookup, and the HTTP app. main.ts (the
 * process), the inject() test app and the benches all build the mapper through this factory, each
 * with its own options; none wires the parts by hand.
 */
import { createRegistry } from '../src/metrics/registry.js'
import type { Registry } from 'prom-client'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../src/log/logger.js'
import { createMapperMetrics, mapBytesGauge, type MapperMetrics } from './metrics.js'
import { createEdgeSeries } from './edge-series.js'
import { ClusterIndex } from './kube/cluster-index.js'
import { EmbeddedStore } from './store/embedded-store.js'
import type { MapStore } from './store/map-store.js'
import { Resolver } from './resolve/resolver.js'
import { createIngestor, type Ingestor } from './resolve/ingest.js'
import { clusterAddressCheck } from './resolve/cluster-addresses.js'
import { CallCaps, type CapLimits } from './resolve/call-caps.js'
import type { TimeBounds } from './resolve/record-times.js'
import { createTokenCheck } from './http/token-check.js'
import { createSnifferAuth, type TokenReviewer } from './http/sniffer-auth.js'
import type { RateLimitOptions } from './http/rate-limit.js'
import { clusterLookup } from './export/cluster-lookup.js'
import { createShadowService, type ShadowService } from './policy/shadow-service.js'
import type { Readiness } from './routes/health.js'
import { buildApp, type RenderLimits } from './app.js'

export interface MapperOptions {
  log: Logger
  /** The shared token: snapshots and reset, and sniffers' reports where `snifferAuth` allows it. */
  token: string
  /**
   * How sniffers prove who they are: their ServiceAccount token, checked by TokenReview (`reviewer`,
   * the sniffers' ServiceAccount `namespace/name`, the token audience), the shared token, or both.
   * Default: the shared token only.
   */
  snifferAuth?: { shared: boolean, serviceAccount?: { reviewer: TokenReviewer, name: string, audience: string } }
  /** The read token; the read API is open without one. */
  readToken?: string
  /** Directory of the durable map; in memory without one. */
  stateDir?: string
  /** Write a checkpoint once the log passes this size (default 64 MiB). */
  checkpointBytes?: number
  /** History newer than this is kept hourly, older daily (default 48 h). */
  hourlyHistoryMs?: number
  /** Most snapshots kept (default 16). */
  maxSnapshots?: number
  /** The cluster this mapper writes for (--cluster-name; default "default"). */
  clusterName?: string
  /** A store to use instead of the embedded one (e.g. PostgreSQL); opened here. */
  store?: MapStore
  clusterDomain: string
  excludeNamespaces: string[]
  /** Pod and Service ranges beyond what the API says (--pod-cidrs, --service-cidrs). */
  podCidrs?: string[]
  serviceCidrs?: string[]
  /** Bounds on reported times around `now()`. */
  times: TimeBounds
  now?: () => number
  reportRate?: RateLimitOptions
  requestTimeoutMs: number
  bodyLimit: number
  /** What /readyz reports (main.ts: the informers). Always ready when omitted. */
  readiness?: Readiness
  /** Whether the cluster view can resolve reports yet; reports are held until it can (always, when omitted). */
  caughtUp?: () => boolean
  /** Most report records held unresolved at once (default 500,000). */
  maxHeldRecords?: number
  /** Most socket records waiting for an address not known yet (default 50,000). */
  maxEarlyRecords?: number
  /** Caps on edges and external names, in total and per node (call-caps.ts); none when omitted. */
  caps?: CapLimits
  /** Bounds on SVG and PNG pictures (app.ts defaults when omitted). */
  render?: RenderLimits
  /** How current the cluster view is, for the `x-podmap-cluster-view` header on read routes. */
  clusterView?: () => string
  /** Why the cluster's NetworkPolicies are not visible (shadow mode says so), or undefined. */
  policiesHidden?: () => string | undefined
  /** A cluster index to use (tests load fixtures into one); a new, empty one when omitted. */
  index?: ClusterIndex
  /** The map as Prometheus series on /metrics (--edge-metrics), at most `maxSeries`; off when omitted. */
  edgeSeries?: { maxSeries: number, cluster: string }
  /** The metrics registry (a new one, prefixed podmap_mapper_, when omitted). */
  registry?: Registry
  webDir?: string
}

export interface Mapper {
  app: FastifyInstance
  ingestor: Ingestor
  map: MapStore
  index: ClusterIndex
  resolver: Resolver
  registry: Registry
  metrics: MapperMetrics
  shadow: ShadowService
}

export async function createMapper (o: MapperOptions): Promise<Mapper> {
  const registry = o.registry ?? createRegistry('mapper')
  const metrics = createMapperMetrics(registry)
  const index = o.index ?? new ClusterIndex()
  const map = o.store ?? new EmbeddedStore({ cluster: o.clusterName, stateDir: o.stateDir, log: o.log, checkpointBytes: o.checkpointBytes, onCheckpoint: () => metrics.checkpoints.inc(), hourlyHistoryMs: o.hourlyHistoryMs, maxSnapshots: o.maxSnapshots, now: o.now })
  await map.open()
  mapBytesGauge(registry, () => map.memoryBytes?.())
  metrics.edges.set(await map.edgeCount())
  const checkAddress = clusterAddressCheck(index, { podCidrs: o.podCidrs, serviceCidrs: o.serviceCidrs })
  const edgeSeries = o.edgeSeries && createEdgeSeries({
    registry,
    portCounts: async () => await map.portCounts(),
    ...o.edgeSeries,
    onOverCap: (over, max) => o.log.warn({ over, maxSeries: max }, 'the map has more edge series than --edge-metrics-max-series: the rest are left out of /metrics and counted in podmap_mapper_edge_series_over_cap')
  })
  const resolver = new Resolver(index, {
    clusterDomain: o.clusterDomain,
    excludeNamespaces: o.excludeNamespaces,
    onUnresolved: (reason, n) => metrics.unresolved.inc({ reason }, n),
    onRefused: (reason, n) => metrics.recordsRefused.inc({ reason }, n),
    checkAddress,
    onAddressRefused: (reason, n) => metrics.answersRefused.inc({ reason }, n),
    onRekey: (from, to) => {
      o.log.info({ from, to }, 'a late owner renamed a workload in the map')
      map.rekey(from, to).catch((err: Error) => o.log.error({ err }, 'persisting a rename failed'))
    }
  })
  const checkToken = createTokenCheck(o.token)
  const shadow = createShadowService({ cluster: index, allEdges: async () => await map.list(), gauge: metrics.shadowDeniedCalls, policiesHidden: o.policiesHidden })
  const ingestor = createIngestor({ resolver, map, metrics, times: o.times, now: o.now, caughtUp: o.caughtUp, maxHeldRecords: o.maxHeldRecords, maxEarlyRecords: o.maxEarlyRecords,
    caps: o.caps && new CallCaps(o.caps, (reason, n) => metrics.callsCapped.inc({ reason }, n)) })
  await ingestor.init()
  const app = await buildApp({
    log: o.log,
    registry,
    moreMetrics: edgeSeries ? edgeSeries.render : undefined,
    metrics,
    map,
    labelsOf: (id) => index.workloads.workloadPods(id).map((p) => p.labels),
    ingestor,
    clusterView: () => ({ view: o.clusterView?.() ?? 'synced', heldRecords: ingestor.heldRecords() }),
    checkToken,
    snifferAuth: createSnifferAuth({
      checkSharedToken: (o.snifferAuth?.shared ?? true) ? checkToken : undefined,
      serviceAccount: o.snifferAuth?.serviceAccount,
      onRefused: (reason) => metrics.snifferTokensRefused.inc({ reason })
    }),
    checkReadToken: o.readToken === undefined ? undefined : createTokenCheck(o.readToken),
    reportRate: o.reportRate,
    requestTimeoutMs: o.requestTimeoutMs,
    readiness: o.readiness ?? { ready: () => true, detail: () => ({}) },
    bodyLimit: o.bodyLimit,
    webDir: o.webDir,
    maxSnapshots: o.maxSnapshots,
    exportLookup: clusterLookup(index, checkAddress),
    shadow,
    render: o.render
  })
  return { app, ingestor, map, index, resolver, registry, metrics, shadow }
}
