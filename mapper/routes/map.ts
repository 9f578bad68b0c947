import type { FastifyInstance } from 'fastify'
import { mapQuerySchema, mapResponseSchema } from '../../src/contract/map.js'
import { describeIssues } from '../../src/contract/issues.js'
import { BadRequest } from '../../src/errors/codes.js'
import type { EdgeStore } from '../graph/edge-store.js'
import { errorResponses, jsonSchema } from './schemas.js'

export function mapRoutes (deps: { store: EdgeStore }) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/api/v1/map', {
      schema: {
        summary: 'The map: who calls whom, on which ports, seen how',
        querystring: jsonSchema(mapQuerySchema),
        response: { 200: jsonSchema(mapResponseSchema), ...errorResponses(400) }
      },
      validatorCompiler: () => () => true
    }, async (req) => {
      const q = mapQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      return { edges: deps.store.list({ namespace: q.data.namespace }) }
    })
  }
}
