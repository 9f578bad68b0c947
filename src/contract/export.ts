/**
 * Exports of the map: Kubernetes objects (ClientIntents, NetworkPolicy, CiliumNetworkPolicy) and
 * graphs. Both routes take the map's filters.
 */
import { z } from 'zod'
import { parseDuration } from '../config/duration.js'

export const exportFormatSchema = z.enum(['intents', 'networkpolicy', 'cilium', 'json'])
export const exportOutputSchema = z.enum(['yaml', 'json'])
export const graphFormatSchema = z.enum(['dot', 'mermaid', 'svg', 'png'])

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** `namespace=a&namespace=b` or `namespace=a,b`. */
const namespacesParam = z.union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(z.string().max(63).regex(dns1123, 'not a namespace name')))

/** An RFC 3339 time, milliseconds since the epoch, or a duration ago (`15m`, `24h`). */
export function parseTimeParam (text: string, now: number): number | undefined {
  const s = text.trim()
  if (/^\d{10,}$/.test(s)) return Number(s)
  const ago = parseDuration(s)
  if (ago !== undefined) return now - ago
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined
  const t = Date.parse(s)
  return Number.isFinite(t) ? t : undefined
}

const timeParam = z.string().min(1).refine((s) => parseTimeParam(s, 0) !== undefined, 'expected an RFC 3339 time, epoch milliseconds or a duration ago such as 15m')

export const mapFilterQuerySchema = z.object({
  namespace: namespacesParam.optional(),
  labelSelector: z.string().min(1).max(1024).optional(),
  since: timeParam.optional(),
  until: timeParam.optional()
})

export const exportQuerySchema = mapFilterQuerySchema.extend({
  format: exportFormatSchema,
  output: exportOutputSchema.default('yaml')
})

export const graphQuerySchema = mapFilterQuerySchema.extend({
  format: graphFormatSchema.default('svg')
})

/** A Kubernetes object as exports produce it: apiVersion, kind, metadata, and whatever else. */
export const kubeObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() })
})

export const kubeListSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('List'),
  items: z.array(kubeObjectSchema)
})

export type ExportFormat = z.infer<typeof exportFormatSchema>
export type ExportOutput = z.infer<typeof exportOutputSchema>
export type GraphFormat = z.infer<typeof graphFormatSchema>
export type KubeObjectOut = z.infer<typeof kubeObjectSchema>
export type KubeList = z.infer<typeof kubeListSchema>
