/**
 * GET /api/v1/explain: why an edge is in the map. The mapper keeps, per edge, a bounded sample of
 * what produced it (at most EXPLAIN_SAMPLE_LIMIT distinct values of each kind, first seen first kept;
 * observations whose value did not fit are counted in `truncated`).
 */
import { z } from 'zod'
import { evidenceSchema, identitySchema, portSchema } from './map.js'

export const EXPLAIN_SAMPLE_LIMIT = 16

/** `kind/namespace/name`, or `kind//name` for identities without a namespace (External, Node). */
export const identityRefSchema = z.string().min(3).max(600).regex(/^[A-Za-z]+\/[^/]*\/.+$/, 'an identity is kind/namespace/name (kind//name without a namespace)')

export const explainQuerySchema = z.object({
  client: identityRefSchema.describe('the client workload: kind/namespace/name, e.g. Deployment/shop/checkout'),
  server: identityRefSchema.describe('the server: kind/namespace/name, or External//api.example.com')
})

export const explainResponseSchema = z.object({
  client: identitySchema,
  server: identitySchema,
  /** DNS names the client resolved that led to this server. */
  dnsNames: z.array(z.string()),
  /** Services the calls went through. */
  services: z.array(z.string()),
  /** Nodes whose sniffers reported it. */
  nodes: z.array(z.string()),
  /** Observations counted by evidence kind. */
  evidence: z.array(z.object({ kind: evidenceSchema, count: z.number().int() })),
  ports: z.array(portSchema.extend({ count: z.number().int() })),
  firstSeen: z.string(),
  lastSeen: z.string(),
  /** Observations whose value was left out of the sample because it was full. */
  truncated: z.object({ dnsNames: z.number().int(), services: z.number().int(), nodes: z.number().int() })
})

export type ExplainResponse = z.infer<typeof explainResponseSchema>
