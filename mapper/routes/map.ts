/** GET /api/v1/map: the map, filtered by namespace, label selector and time window. */
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { mapResponseSchema, type Identity } from '../../src/contract/map.js'
import { errorResponses } from '../../src/contract/error.js'
import type { MapStore } from '../store/map-store.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface MapRouteDeps {
  store: MapStore
  /** Pod label sets of a workload, for labelSelector. */
  labelsOf: (id: Identity) => Array<Record<string, string>>
}

export function mapRoutes (deps: MapRouteDeps): FastifyPluginAsyncZod {
  return async function (app) {
    app.get('/api/v1/map', {
      schema: {
        summary: 'The map: who calls whom, on which ports, seen how; optionally within a time window',
        querystring: filterQuerySchema,
        response: { 200: mapResponseSchema, ...errorResponses(400) }
      },
      config: { access: 'read' }
    }, async (req, reply) => {
      // The store renders the JSON itself (each unchanged edge's JSON is reused): the response
      // schema above documents it; serialising 100,000 edges again would cost a second per request.
      const json = await deps.store.listJson(toEdgeFilter(req.query, deps.labelsOf))
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(json)
    })
  }
}
