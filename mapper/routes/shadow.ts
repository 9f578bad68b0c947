/**
 * Shadow mode. GET /api/v1/shadow: the calls of the (filtered) map that the cluster's NetworkPolicies
 * would deny. POST /api/v1/shadow: the same for a proposed set of policies (a JSON array, a List, or
 * one policy), evaluated instead of the cluster's (`mode=replace`, default) or in addition to them
 * (`mode=add`).
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { networkPolicySchema, proposedPoliciesSchema, shadowModeSchema, shadowResponseSchema, type NetworkPolicy } from '../../src/contract/shadow.js'
import type { Identity } from '../../src/contract/map.js'
import { describeIssues } from '../../src/contract/issues.js'
import { BadRequest } from '../../src/errors/catalogue.js'
import type { EdgeStore } from '../store/edge-store.js'
import type { ShadowService } from '../policy/shadow-service.js'
import { errorResponses, jsonSchema } from './schemas.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface ShadowRouteDeps {
  store: EdgeStore
  labelsOf: (id: Identity) => Array<Record<string, string>>
  shadow: ShadowService
}

export const shadowPostQuerySchema = filterQuerySchema.extend({
  mode: shadowModeSchema.default('replace').describe('replace: evaluate only the posted policies; add: the cluster\'s and the posted ones')
})

/** Parses the body by its shape, so a 400 names the field of the policy that is wrong. */
function parseProposed (body: unknown): NetworkPolicy[] {
  let r
  if (Array.isArray(body)) r = z.array(networkPolicySchema).safeParse(body)
  else if (body !== null && typeof body === 'object' && 'items' in body) r = z.object({ items: z.array(networkPolicySchema) }).transform((l) => l.items).safeParse(body)
  else r = networkPolicySchema.transform((p) => [p]).safeParse(body)
  if (!r.success) throw BadRequest(describeIssues(r.error, 'body'))
  return r.data
}

export function shadowRoutes (deps: ShadowRouteDeps) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/api/v1/shadow', {
      schema: {
        summary: 'Observed calls the cluster\'s current NetworkPolicies would deny',
        querystring: jsonSchema(filterQuerySchema),
        response: { 200: jsonSchema(shadowResponseSchema), ...errorResponses(400) }
      },
      config: { access: 'read' },
      validatorCompiler: () => () => true
    }, async (req) => {
      const q = filterQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      const result = deps.shadow.evaluate(deps.store.list(toEdgeFilter(q.data, deps.labelsOf)))
      deps.shadow.refreshGauge()
      return result
    })

    app.post('/api/v1/shadow', {
      schema: {
        summary: 'Observed calls a proposed set of NetworkPolicies would deny (instead of, or with mode=add in addition to, the cluster\'s)',
        querystring: jsonSchema(shadowPostQuerySchema),
        body: jsonSchema(proposedPoliciesSchema),
        response: { 200: jsonSchema(shadowResponseSchema), ...errorResponses(400, 415) }
      },
      config: { access: 'read' },
      validatorCompiler: () => () => true
    }, async (req) => {
      const q = shadowPostQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      const proposed = parseProposed(req.body)
      return deps.shadow.evaluate(deps.store.list(toEdgeFilter(q.data, deps.labelsOf)), proposed, q.data.mode)
    })
  }
}
