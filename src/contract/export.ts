/**
 * Exports of the map: Kubernetes objects (ClientIntents, NetworkPolicy, CiliumNetworkPolicy) and
 * graphs. Both routes also take the map's filters (mapper/routes/query.ts).
 */
import { z } from 'zod'

export const exportFormatSchema = z.enum(['intents', 'networkpolicy', 'cilium', 'json'])
export const exportOutputSchema = z.enum(['yaml', 'json'])
export const graphFormatSchema = z.enum(['dot', 'mermaid', 'svg', 'png'])

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
