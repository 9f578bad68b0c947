/**
 * The mapper's HTTP app, separate from listen(): tests drive it with inject(), main.ts owns the
 * socket, timeouts and signals.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { Logger } from '../src/log/logger.js'
import { TooManyReports } from '../src/errors/catalogue.js'
import { accessHook, accessOf, requireAccessDeclared, type RouteAccess } from './http/access.js'
import { createRateLimiter, type RateLimitOptions } from './http/rate-limit.js'
import type { Identity } from '../src/contract/map.js'
import type { DurableMap } from './store/durable-map.js'
import type { Ingestor } from './resolve/ingest.js'
import type { MapperMetrics } from './metrics.js'
import { healthRoutes, type Readiness } from './routes/health.js'
import { mapRoutes } from './routes/map.js'
import { reportsRoutes } from './routes/reports.js'
import { snapshotRoutes } from './routes/snapshots.js'
import { collectOpenApi } from './routes/openapi.js'
import { webRoutes } from './routes/web.js'
import { exportRoutes } from './routes/export.js'
import { shadowRoutes } from './routes/shadow.js'
import { ClusterIndex } from './kube/cluster-index.js'
import { clusterLookup } from './export/cluster-lookup.js'
import { createImageRenderer } from './export/render-image.js'
import { createShadowService, type ShadowService } from './policy/shadow-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every registered route with the access it declared (mapper/access.ts). */
    routeAccess: RouteAccess[]
  }
}

export interface AppDeps {
  log: Logger
  registry: Registry
  metrics: MapperMetrics
  map: DurableMap
  /** Pod label sets of a workload (for labelSelector filters). */
  labelsOf: (id: Identity) => Array<Record<string, string>>
  ingestor: Ingestor
  checkToken: (authorization: string | undefined) => boolean
  /** When set, every `read` route (the map and what derives from it) needs this bearer token (--read-token-file); `open` routes stay open. */
  checkReadToken?: (authorization: string | undefined) => boolean
  /** Per-sniffer limit on POST /api/v1/reports (429 + Retry-After past it); none when omitted. */
  reportRate?: RateLimitOptions
  /** Longest time to receive a whole request (default 30 s). */
  requestTimeoutMs?: number
  readiness: Readiness
  bodyLimit: number
  /** Folder of the web page's assets (mapper/web); found next to the code when omitted. */
  webDir?: string
  /** The informer-fed cluster view, for exports (pod labels, cluster DNS) and shadow mode (policies); empty when omitted. */
  cluster?: ClusterIndex
  /** Shadow mode; built from `cluster` when omitted. */
  shadow?: ShadowService
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    // Failures are logged by the onResponse hook below; successful requests are counted, not logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: deps.requestTimeoutMs ?? 30_000,
    // Node checks request timeouts only every connectionsCheckingInterval (30 s by default), and
    // enforces requestTimeout on a body only when headersTimeout is not longer: set both.
    http: {
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor((deps.requestTimeoutMs ?? 30_000) / 4))),
      headersTimeout: Math.min(60_000, deps.requestTimeoutMs ?? 30_000),
      requestTimeout: deps.requestTimeoutMs ?? 30_000
    }
  })

  const routeAccess = requireAccessDeclared(app)
  app.decorate('routeAccess', routeAccess)
  app.addHook('onRequest', accessHook({
    checkToken: deps.checkToken,
    checkReadToken: deps.checkReadToken,
    onReportUnauthorized: () => deps.metrics.reports.inc({ outcome: 'unauthorized' })
  }))

  const reportRate = deps.reportRate
  if (reportRate) {
    const limit = createRateLimiter(reportRate)
    // After the token check and before the body is read, so neither an unauthenticated flood nor a
    // rate-limited sniffer makes the mapper parse a body. Keyed by the sender's address: a sniffer
    // runs on the node's network, so that is its node's address, which a client cannot choose the way
    // it chooses a name in the body.
    app.addHook('onRequest', async (req, reply) => {
      if (accessOf(req) !== 'report') return
      const key = `ip:${req.ip}`
      const d = limit(key, Date.now())
      if (!d.allowed) {
        deps.metrics.reports.inc({ outcome: 'rate-limited' })
        void reply.header('retry-after', String(d.retryAfterSeconds))
        throw TooManyReports(`too many reports from ${req.ip}: at most ${reportRate.ratePerSecond}/s (burst ${reportRate.burst}); retry after ${d.retryAfterSeconds} s`)
      }
    })
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    deps.metrics.requestDuration.observe(
      { method: req.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000
    )
    if (reply.statusCode >= 400) req.log.info({ method: req.method, route, statusCode: reply.statusCode }, 'request failed')
  })

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) {
      req.log.error({ err }, 'request error')
      return reply.code(500).send({ statusCode: 500, code: 'PODMAP_ERR_INTERNAL', error: 'Internal Server Error', message: 'internal error' })
    }
    return reply.code(status).send({ statusCode: status, code: err.code ?? 'PODMAP_ERR_BAD_REQUEST', error: httpReason(status), message: err.message })
  })

  app.setNotFoundHandler((req, reply) => {
    return reply.code(404).send({ statusCode: 404, code: 'PODMAP_ERR_NOT_FOUND', error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` })
  })

  const openapi = collectOpenApi(app, { title: 'podmap mapper API', version: '1' })
  await app.register(healthRoutes({ readiness: deps.readiness, registry: deps.registry }))
  await app.register(reportsRoutes({ ingestor: deps.ingestor, metrics: deps.metrics }))
  await app.register(mapRoutes({ store: deps.map.store, labelsOf: deps.labelsOf }))
  await app.register(snapshotRoutes({ map: deps.map, metrics: deps.metrics }))
  await app.register(webRoutes({ dir: deps.webDir }))
  const cluster = deps.cluster ?? new ClusterIndex()
  const shadow = deps.shadow ?? createShadowService({ cluster, allEdges: () => deps.map.store.list(), gauge: deps.metrics.shadowDeniedCalls })
  await app.register(exportRoutes({ store: deps.map.store, labelsOf: deps.labelsOf, lookup: clusterLookup(cluster), images: createImageRenderer() }))
  await app.register(shadowRoutes({ store: deps.map.store, labelsOf: deps.labelsOf, shadow }))
  await app.register(openapi)
  return app
}

function httpReason (status: number): string {
  const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests' }
  return reasons[status] ?? 'Error'
}
