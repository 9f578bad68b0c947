/** GET /api/v1/explain: why an edge is in the map (src/contract/explain.ts). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { explainQuerySchema, explainResponseSchema } from '../../src/contract/explain.js'
import { errorResponses } from '../../src/contract/error.js'
import { NotFound } from '../../src/errors/catalogue.js'
import type { MapStore } from '../store/map-store.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

const querySchema = explainQuerySchema.extend({ since: filterQuerySchema.shape.since, until: filterQuerySchema.shape.until })

export function explainRoutes (deps: { store: MapStore }): FastifyPluginAsyncZod {
  return async function (app) {
    app.get('/api/v1/explain', {
      schema: {
        summary: 'Why an edge is in the map: the DNS names, Services and reporting nodes behind it, and its counts by evidence and port',
        description: 'Samples keep at most 16 distinct values of each kind (the rest is counted in `truncated`); counts and times cover the window given, or everything within retention.',
        querystring: querySchema,
        response: { 200: explainResponseSchema, ...errorResponses(400, 401, 404) }
      },
      config: { access: 'read' }
    }, async (req) => {
      const q = req.query
      const window = toEdgeFilter({ since: q.since, until: q.until }, () => [])
      const found = await deps.store.explain(q.client, q.server, window.since, window.until)
      if (!found) throw NotFound(`no edge ${q.client} -> ${q.server}${q.since !== undefined || q.until !== undefined ? ' in that window' : ''}`)
      return found
    })
  }
}
