/** Pinned snapshots of the map, diffs between two points, and reset. */
import { z } from 'zod'
import { edgeSchema, evidenceSchema, identitySchema, portSchema } from './map.js'

export const snapshotNameSchema = z.string().regex(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/, 'a snapshot name is 1-63 lowercase letters, digits, "-", "_" or ".", starting and ending with a letter or digit')

export const createSnapshotSchema = z.object({ name: snapshotNameSchema })

export const snapshotSummarySchema = z.object({
  name: z.string(),
  createdAt: z.string(),
  edges: z.number().int()
})
export const snapshotListSchema = z.object({ snapshots: z.array(snapshotSummarySchema) })

export const diffQuerySchema = z.object({
  from: z.string().min(1).max(64).describe('a snapshot name, an RFC 3339 time, or a duration before now (24h)'),
  to: z.string().min(1).max(64).optional().describe('a snapshot name, a time, or "now" (default)'),
  window: z.string().max(64).optional().describe('length of the window that ends at a time endpoint (default: the span between from and to)'),
  namespace: z.union([z.string(), z.array(z.string())]).optional()
})

export const diffEndpointSchema = z.object({
  snapshot: z.string().optional(),
  since: z.string().optional(),
  until: z.string()
})

export const changedEdgeSchema = z.object({
  client: identitySchema,
  server: identitySchema,
  ports: z.object({ added: z.array(portSchema), removed: z.array(portSchema) }),
  evidence: z.object({ added: z.array(evidenceSchema), removed: z.array(evidenceSchema) })
})

export const diffResponseSchema = z.object({
  from: diffEndpointSchema,
  to: diffEndpointSchema,
  added: z.array(edgeSchema),
  removed: z.array(edgeSchema),
  changed: z.array(changedEdgeSchema)
})

export const resetResponseSchema = z.object({ removedEdges: z.number().int() })

export type DiffResponse = z.infer<typeof diffResponseSchema>
export type ChangedEdge = z.infer<typeof changedEdgeSchema>
