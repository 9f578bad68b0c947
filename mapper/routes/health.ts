/** Liveness, readiness and Prometheus metrics: open routes. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Registry } from 'prom-client'
import { z } from 'zod'

const readySchema = z.object({ status: z.string(), informers: z.record(z.string(), z.unknown()) })

export interface Readiness { ready: () => boolean, detail: () => Record<string, unknown> }

export interface HealthDeps {
  readiness: Readiness
  registry: Registry
  /** Families rendered outside the registry (the edge series), appended to /metrics; rendered first, so gauges they set are current. */
  moreMetrics?: () => Promise<string>
}

export function healthRoutes (deps: HealthDeps): FastifyPluginAsyncZod {
  return async function (app) {
    app.get('/healthz', {
      schema: { summary: 'Liveness', response: { 200: z.object({ status: z.string() }) } },
      config: { access: 'open' }
    }, async () => ({ status: 'ok' }))

    app.get('/readyz', {
      schema: {
        summary: 'Readiness: 200 once every informer has synced and none is failing or stalled, else 503',
        response: { 200: readySchema, 503: readySchema }
      },
      config: { access: 'open' }
    }, async (_req, reply) => {
      const ready = deps.readiness.ready()
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', informers: deps.readiness.detail() })
    })

    app.get('/metrics', {
      schema: { summary: 'Prometheus metrics (text exposition format)', response: { 200: { content: { 'text/plain': { schema: z.string() } } } } },
      config: { access: 'open' }
    }, async (_req, reply) => {
      const more = deps.moreMetrics ? await deps.moreMetrics() : ''
      return reply.type(deps.registry.contentType).send(await deps.registry.metrics() + more)
    })
  }
}
