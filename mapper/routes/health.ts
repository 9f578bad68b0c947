import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

const readySchema = {
  type: 'object',
  properties: { status: { type: 'string' }, informers: { type: 'object', additionalProperties: true } }
}

export interface Readiness { ready: () => boolean, detail: () => unknown }

export function healthRoutes (deps: { readiness: Readiness, registry: Registry }) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/healthz', {
      schema: { summary: 'Liveness', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
      config: { access: 'open' }
    }, async () => ({ status: 'ok' }))
    app.get('/readyz', {
      schema: {
        summary: 'Readiness: 200 once every informer has synced and none is failing or stalled, else 503',
        response: { '2xx': readySchema, 503: readySchema }
      },
      config: { access: 'open' }
    }, async (_req, reply) => {
      const ready = deps.readiness.ready()
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', informers: deps.readiness.detail() })
    })
    app.get('/metrics', {
      schema: { summary: 'Prometheus metrics (text exposition format)', response: { 200: { type: 'string' } } },
      config: { access: 'open' }
    }, async (_req, reply) => {
      return reply.type(deps.registry.contentType).send(await deps.registry.metrics())
    })
  }
}
