/**
 * The mapper's HTTP app, separate from listen(): tests drive it with inject(), main.ts owns the
 * socket, timeouts and signals. Routes are typed and validated from the zod contract
 * (fastify-type-provider-zod), documented by @fastify/swagger, and each declares its access
 * (http/access.ts), checked by one onRequest hook before any body is read.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Registry } from 'prom-client'
import type { Logger } from '../src/log/logger.js'
import type { Identity } from '../src/contract/map.js'
import { NotFound } from '../src/errors/catalogue.js'
import type { MapStore } from './store/map-store.js'
import type { Ingestor } from './resolve/ingest.js'
import type { MapperMetrics } from './metrics.js'
import type { ExportLookup } from './export/lookup.js'
import type { ShadowService } from './policy/shadow-service.js'
import { createImagePool } from './export/image-pool.js'
import { accessHook, accessOf, requireAccessDeclared, type RouteAccess } from './http/access.js'
import { errorHandler } from './http/error-handler.js'
import { openApiRoute, registerOpenApi } from './http/openapi.js'
import type { RateLimitOptions } from './http/rate-limit.js'
import type { SnifferAuth } from './http/sniffer-auth.js'
import { reportRateLimitHook } from './http/report-rate-limit.js'
import { healthRoutes, type Readiness } from './routes/health.js'
import { mapRoutes } from './routes/map.js'
import { reportsRoutes } from './routes/reports.js'
import { snapshotRoutes } from './routes/snapshots.js'
import { webRoutes } from './routes/web.js'
import { exportRoutes } from './routes/export.js'
import { shadowRoutes } from './routes/shadow.js'
import { explainRoutes } from './routes/explain.js'
import { clusterRoutes } from './routes/clusters.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every registered route with the access it declared (http/access.ts). */
    routeAccess: RouteAccess[]
  }
}

export interface AppDeps {
  log: Logger
  registry: Registry
  /** Metric families rendered outside the registry (the edge series), appended to /metrics. */
  moreMetrics?: () => Promise<string>
  metrics: MapperMetrics
  map: MapStore
  /** Pod label sets of a workload (for labelSelector filters). */
  labelsOf: (id: Identity) => Array<Record<string, string>>
  ingestor: Ingestor
  /** The report token: sniffers' reports, snapshots and reset. */
  checkToken: (authorization: string | undefined) => boolean
  /** Who sent a report (ServiceAccount token or the shared token). */
  snifferAuth: SnifferAuth
  /** When set, every `read` route (the map and what derives from it) needs this bearer token (--read-token-file); `open` routes stay open. */
  checkReadToken?: (authorization: string | undefined) => boolean
  /** Per-sniffer limit on report routes (429 + Retry-After past it); none when omitted. */
  reportRate?: RateLimitOptions
  /** Longest time to receive a whole request. */
  requestTimeoutMs: number
  readiness: Readiness
  bodyLimit: number
  /** Folder of the web page's assets (mapper/web); found next to the code when omitted. */
  webDir?: string
  /** What exports need from the cluster (pod labels, node addresses, the cluster DNS). */
  exportLookup: ExportLookup
  shadow: ShadowService
  /** Most snapshots kept (default 16). */
  maxSnapshots?: number
  /** How current the answers of read routes are: sent as `x-podmap-cluster-view` and `x-podmap-held-records`. */
  clusterView?: () => { view: string, heldRecords: number }
  /** Bounds on SVG and PNG pictures (defaults: 1,000 workloads, 30 s, 512 MiB). */
  render?: RenderLimits
}

export interface RenderLimits {
  /** Most workloads an SVG or PNG shows (--graph-max-nodes). */
  maxGraphNodes: number
  /** A picture's deadline once rendering starts (--render-timeout). */
  deadlineMs: number
  /** The render worker's heap limit (--render-max-heap, MiB). */
  maxHeapMb: number
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    // Failures are logged by the onResponse hook below; successful requests are counted, not logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: deps.requestTimeoutMs,
    // Node checks request timeouts only every connectionsCheckingInterval (30 s by default), and
    // enforces requestTimeout on a body only when headersTimeout is not longer: set both.
    http: {
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(deps.requestTimeoutMs / 4))),
      headersTimeout: Math.min(60_000, deps.requestTimeoutMs),
      requestTimeout: deps.requestTimeoutMs
    }
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(async (req) => { throw NotFound(`no route ${req.method} ${req.url.split('?')[0] ?? ''}`) })

  app.decorate('routeAccess', requireAccessDeclared(app))
  app.addHook('onRequest', accessHook({
    checkToken: deps.checkToken,
    snifferAuth: deps.snifferAuth,
    checkReadToken: deps.checkReadToken,
    onReportUnauthorized: () => deps.metrics.reports.inc({ outcome: 'unauthorized' })
  }))
  if (deps.reportRate) app.addHook('onRequest', reportRateLimitHook(deps.reportRate, () => deps.metrics.reports.inc({ outcome: 'rate-limited' })))

  const clusterView = deps.clusterView
  if (clusterView) {
    // Read answers say how current they are: the map is served from the store even while the
    // informers sync or the API server is down, and reports may be waiting to be resolved.
    app.addHook('onSend', async (req, reply) => {
      if (accessOf(req) !== 'read') return
      const v = clusterView()
      void reply.header('x-podmap-cluster-view', v.view).header('x-podmap-held-records', String(v.heldRecords))
    })
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    deps.metrics.requestDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    if (reply.statusCode >= 400) req.log.info({ method: req.method, route, statusCode: reply.statusCode }, 'request failed')
  })

  await registerOpenApi(app, { title: 'podmap mapper API', version: '1' })
  const store = deps.map
  await app.register(healthRoutes({ readiness: deps.readiness, registry: deps.registry, moreMetrics: deps.moreMetrics }))
  await app.register(reportsRoutes({ ingestor: deps.ingestor, metrics: deps.metrics, instance: randomUUID() }))
  await app.register(mapRoutes({ store, labelsOf: deps.labelsOf }))
  await app.register(snapshotRoutes({ map: deps.map, metrics: deps.metrics, maxSnapshots: deps.maxSnapshots }))
  await app.register(explainRoutes({ store }))
  await app.register(clusterRoutes({ store }))
  const render = deps.render ?? { maxGraphNodes: 1000, deadlineMs: 30_000, maxHeapMb: 512 }
  const images = createImagePool({ deadlineMs: render.deadlineMs, maxHeapMb: render.maxHeapMb })
  app.addHook('onClose', async () => { await images.close() })
  await app.register(exportRoutes({ store, labelsOf: deps.labelsOf, lookup: deps.exportLookup, images, maxGraphNodes: render.maxGraphNodes, renders: deps.metrics.graphRenders }))
  await app.register(shadowRoutes({ store, labelsOf: deps.labelsOf, shadow: deps.shadow }))
  await app.register(webRoutes({ dir: deps.webDir }))
  openApiRoute(app)
  return app
}
