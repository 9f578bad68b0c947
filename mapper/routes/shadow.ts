/**
 * Shadow mode. GET /api/v1/shadow: the calls of the (filtered) map that the cluster's NetworkPolicies
 * would deny. POST /api/v1/shadow: the same for a proposed set of policies (a JSON array, a List, or
 * one policy), evaluated instead of the cluster's (`mode=replace`, default) or in addition to them
 * (`mode=add`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { proposedPoliciesSchema, shadowModeSchema, shadowResponseSchema, type NetworkPolicy } from '../../src/contract/shadow.js'
import type { Identity } from '../../src/contract/map.js'
import { errorResponses } from '../../src/contract/error.js'
import type { MapStore } from '../store/map-store.js'
import type { ShadowService } from '../policy/shadow-service.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface ShadowRouteDeps {
  store: MapStore
  labelsOf: (id: Identity) => Array<Record<string, string>>
  shadow: ShadowService
}

export const shadowPostQuerySchema = filterQuerySchema.extend({
  mode: shadowModeSchema.default('replace').describe('replace: evaluate only the posted policies; add: the cluster\'s and the posted ones')
})

export function shadowRoutes (deps: ShadowRouteDeps): FastifyPluginAsyncZod {
  return async function (app) {
    app.get('/api/v1/shadow', {
      schema: {
        summary: 'Observed calls the cluster\'s current NetworkPolicies would deny',
        querystring: filterQuerySchema,
        response: { 200: shadowResponseSchema, ...errorResponses(400, 401) }
      },
      config: { access: 'read' }
    }, async (req) => {
      const result = deps.shadow.evaluate(await deps.store.list(toEdgeFilter(req.query, deps.labelsOf)))
      await deps.shadow.refreshGauge()
      return result
    })

    app.post('/api/v1/shadow', {
      schema: {
        summary: 'Observed calls a proposed set of NetworkPolicies would deny (instead of, or with mode=add in addition to, the cluster\'s)',
        querystring: shadowPostQuerySchema,
        body: proposedPoliciesSchema,
        response: { 200: shadowResponseSchema, ...errorResponses(400, 401, 415) }
      },
      config: { access: 'read' }
    }, async (req) => {
      const body = req.body
      const proposed: NetworkPolicy[] = Array.isArray(body) ? body : 'items' in body ? body.items : [body]
      return deps.shadow.evaluate(await deps.store.list(toEdgeFilter(req.query, deps.labelsOf)), proposed, req.query.mode)
    })
  }
}
