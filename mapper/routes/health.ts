import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

export interface Readiness { ready: () => boolean, detail: () => unknown }

export function healthRoutes (deps: { readiness: Readiness, registry: Registry }) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }))
    app.get('/readyz', async (_req, reply) => {
      const ready = deps.readiness.ready()
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', informers: deps.readiness.detail() })
    })
    app.get('/metrics', async (_req, reply) => {
      return reply.type(deps.registry.contentType).send(await deps.registry.metrics())
    })
  }
}
