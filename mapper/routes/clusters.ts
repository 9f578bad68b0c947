/** GET /api/v1/clusters: the clusters whose maps this mapper's store holds (one, unless a PostgreSQL store is shared). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { clustersResponseSchema } from '../../src/contract/map.js'
import { errorResponses } from '../../src/contract/error.js'
import type { MapStore } from '../store/map-store.js'

export function clusterRoutes (deps: { store: MapStore }): FastifyPluginAsyncZod {
  return async function (app) {
    app.get('/api/v1/clusters', {
      schema: {
        summary: 'The clusters in the store, with their edge counts, and the one this mapper writes (--cluster-name)',
        description: 'Any of them can be read through the map routes with `cluster=NAME` (repeated or comma-separated); each edge then carries its `cluster`.',
        response: { 200: clustersResponseSchema, ...errorResponses(401) }
      },
      config: { access: 'read' }
    }, async () => ({ cluster: deps.store.cluster, clusters: await deps.store.clusters() }))
  }
}
