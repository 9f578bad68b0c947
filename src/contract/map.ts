/** The mapper's read API: the aggregated map of who calls whom. */
import { z } from 'zod'

export const identitySchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  /** Set on a server reached through a Kubernetes Service. */
  service: z.string().optional()
})

export const portSchema = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP'])
})

export const evidenceSchema = z.enum(['dns', 'tcp', 'udp'])

export const edgeSchema = z.object({
  client: identitySchema,
  server: identitySchema,
  ports: z.array(portSchema),
  evidence: z.array(evidenceSchema),
  /** For an External server: the IP addresses it was seen at (DNS answers, session peers). */
  addresses: z.array(z.string()).optional(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  /** The cluster the edge belongs to: set on reads that name clusters (`cluster=`), in a store clusters share. */
  cluster: z.string().optional()
})

/** A cluster's name (--cluster-name, `cluster=`): a DNS name of at most 63 characters. */
export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/

export const mapResponseSchema = z.object({ edges: z.array(edgeSchema) })

/** GET /api/v1/clusters: the cluster this mapper writes, and every cluster in its store with its edges. */
export const clustersResponseSchema = z.object({
  cluster: z.string(),
  clusters: z.array(z.object({ name: z.string(), edges: z.number().int().nonnegative() }))
})


export type Identity = z.infer<typeof identitySchema>
export type Port = z.infer<typeof portSchema>
export type Evidence = z.infer<typeof evidenceSchema>
export type Edge = z.infer<typeof edgeSchema>
export type MapResponse = z.infer<typeof mapResponseSchema>
