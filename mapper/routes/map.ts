import type { FastifyInstance } from 'fastify'
import { mapResponseSchema, type Identity } from '../../src/contract/map.js'
import { describeIssues } from '../../src/contract/issues.js'
import { BadRequest } from '../../src/errors/catalogue.js'
import type { EdgeStore } from '../store/edge-store.js'
import { errorResponses, jsonSchema } from './schemas.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface MapRouteDeps {
  store: EdgeStore
  /** Pod label sets of a workload, for labelSelector. */
  labelsOf: (id: Identity) => Array<Record<string, string>>
}

export function mapRoutes (deps: MapRouteDeps) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/api/v1/map', {
      schema: {
        summary: 'The map: who calls whom, on which ports, seen how; optionally within a time window',
        querystring: jsonSchema(filterQuerySchema),
        response: { 200: jsonSchema(mapResponseSchema), ...errorResponses(400) }
      },
      config: { access: 'read' },
      validatorCompiler: () => () => true
    }, async (req, reply) => {
      const q = filterQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      // The store renders the JSON itself (each unchanged edge's JSON is reused): the response
      // schema above documents it; serialising 100,000 edges again would cost a second per request.
      return reply.type('application/json; charset=utf-8').send(deps.store.listJson(toEdgeFilter(q.data, deps.labelsOf)))
    })
  }
}
