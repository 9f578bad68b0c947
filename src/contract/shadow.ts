/**
 * Shadow mode: NetworkPolicies (networking.k8s.io/v1, the fields that decide traffic) and the calls
 * of the map that they would deny.
 */
import { z } from 'zod'
import { identitySchema, portSchema } from './map.js'

const labelsSchema = z.record(z.string(), z.string())

export const labelSelectorSchema = z.object({
  matchLabels: labelsSchema.nullish(),
  matchExpressions: z.array(z.object({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).nullish()
  })).nullish()
})

export const ipBlockSchema = z.object({
  cidr: z.string().min(1),
  except: z.array(z.string()).nullish()
})

export const policyPeerSchema = z.object({
  podSelector: labelSelectorSchema.nullish(),
  namespaceSelector: labelSelectorSchema.nullish(),
  ipBlock: ipBlockSchema.nullish()
})

export const policyPortSchema = z.object({
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).nullish(),
  port: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).nullish(),
  endPort: z.number().int().min(1).max(65535).nullish()
})

export const networkPolicySchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    annotations: labelsSchema.nullish(),
    labels: labelsSchema.nullish()
  }),
  spec: z.object({
    podSelector: labelSelectorSchema,
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])).nullish(),
    ingress: z.array(z.object({ from: z.array(policyPeerSchema).nullish(), ports: z.array(policyPortSchema).nullish() })).nullish(),
    egress: z.array(z.object({ to: z.array(policyPeerSchema).nullish(), ports: z.array(policyPortSchema).nullish() })).nullish()
  })
})

/** POST /api/v1/shadow takes a JSON array of policies, a List (`items`), or one policy. */
export const proposedPoliciesSchema = z.union([
  z.array(networkPolicySchema),
  z.object({ kind: z.string().optional(), apiVersion: z.string().optional(), items: z.array(networkPolicySchema) }),
  networkPolicySchema
])

export const shadowModeSchema = z.enum(['replace', 'add'])

export const directionSchema = z.enum(['ingress', 'egress'])

/**
 * The rule that let a call through on one side: the policy (`namespace/name`) and the index of the
 * rule in its `ingress` (direction ingress) or `egress` list. A side named neither here nor in
 * `deniedBy` is open: no policy selects that pod for that direction.
 */
export const allowedBySchema = z.object({
  direction: directionSchema,
  namespace: z.string(),
  policy: z.string(),
  rule: z.number().int().min(0)
})

export const deniedCallSchema = z.object({
  client: identitySchema,
  server: identitySchema,
  /** The port denied; absent when the map saw the call without a port (then only peers decide). */
  port: portSchema.optional(),
  /** Each direction that denies it, with the namespace and the policies selecting that side without allowing the call. */
  deniedBy: z.array(z.object({ direction: directionSchema, namespace: z.string(), policies: z.array(z.string()) })),
  /** The other side, when a policy selects it and one of its rules allows the call. */
  allowedBy: z.array(allowedBySchema)
})

export const allowedCallSchema = z.object({
  client: identitySchema,
  server: identitySchema,
  port: portSchema.optional(),
  /** Per side that some policy selects: the rule that allows the call (no entry: that side is open). */
  allowedBy: z.array(allowedBySchema)
})

export const shadowResponseSchema = z.object({
  /** Which policies were evaluated: the cluster's, the posted ones, or both. */
  source: z.enum(['cluster', 'proposed', 'cluster+proposed']),
  /** `namespace/name` of every policy evaluated. */
  policies: z.array(z.string()),
  /** Calls (edge x port) evaluated. */
  evaluated: z.number().int(),
  denied: z.array(deniedCallSchema),
  /** The calls that pass, each with what let it through. */
  allowed: z.array(allowedCallSchema),
  /** What limits the answer, e.g. the mapper may not read the cluster's NetworkPolicies. */
  warnings: z.array(z.string()).optional()
})

export type LabelSelector = z.infer<typeof labelSelectorSchema>
export type IpBlock = z.infer<typeof ipBlockSchema>
export type PolicyPeer = z.infer<typeof policyPeerSchema>
export type PolicyPort = z.infer<typeof policyPortSchema>
export type NetworkPolicy = z.infer<typeof networkPolicySchema>
export type ShadowMode = z.infer<typeof shadowModeSchema>
export type Direction = z.infer<typeof directionSchema>
export type DeniedCall = z.infer<typeof deniedCallSchema>
export type AllowedCall = z.infer<typeof allowedCallSchema>
export type AllowedBy = z.infer<typeof allowedBySchema>
export type ShadowResponse = z.infer<typeof shadowResponseSchema>

/** The policies in any accepted body shape. */
export function policiesOf (body: z.infer<typeof proposedPoliciesSchema>): NetworkPolicy[] {
  if (Array.isArray(body)) return body
  if ('items' in body) return body.items
  return [body]
}
