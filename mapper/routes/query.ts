/** Query-string values shared by the map, export, graph, shadow and diff routes: time windows and filters. */
import { z } from 'zod'
import { parseDuration } from '../../src/config/duration.js'
import { BadRequest } from '../../src/errors/catalogue.js'
import { CLUSTER_NAME, type Identity } from '../../src/contract/map.js'
import { parseLabelSelector } from '../kube/label-selector.js'
import type { EdgeFilter } from '../store/edge-store.js'
import { isDateTime } from '../resolve/record-times.js'

/** RFC 3339 time, or a duration meaning that long before `now` (`24h`, `30m`). */
export function parseTime (name: string, text: string, now: number): number {
  const ms = parseDuration(text)
  if (ms !== undefined) {
    if (isDateTime(now - ms)) return now - ms
    throw BadRequest(`query.${name}: "${text}" reaches before the year 1970`)
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const t = Date.parse(text)
    if (Number.isFinite(t)) return t
  }
  throw BadRequest(`query.${name}: "${text}" is neither an RFC 3339 time (2026-11-26T12:00:00Z) nor a duration (24h, 30m)`)
}

export const namespacesQuerySchema = z.union([z.string(), z.array(z.string())]).optional()
  .describe('namespace(s), repeated or comma-separated: calls from or to them')

export const filterQuerySchema = z.object({
  namespace: namespacesQuerySchema,
  labelSelector: z.string().max(1024).optional().describe('Kubernetes label selector on the client or server workload\'s pods'),
  since: z.string().max(64).optional().describe('RFC 3339 time or a duration before now (24h); windows are precise to the hour within --hourly-history (48 h) and to the day before'),
  until: z.string().max(64).optional().describe('RFC 3339 time or a duration before now; same precision as since'),
  cluster: z.union([z.string(), z.array(z.string())]).optional()
    .describe('cluster(s), repeated or comma-separated: read these clusters\' maps from a store they share (GET /api/v1/clusters lists them); each edge then carries its cluster. Default: this mapper\'s own')
})
export type FilterQuery = z.infer<typeof filterQuerySchema>

export function toEdgeFilter (q: FilterQuery, labelsOf: (id: Identity) => Array<Record<string, string>>, now = Date.now()): EdgeFilter {
  const namespaces = (Array.isArray(q.namespace) ? q.namespace : q.namespace !== undefined ? [q.namespace] : [])
    .flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n.length > 0)
  for (const n of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63) throw BadRequest(`query.namespace: "${n.slice(0, 70)}" is not a namespace name`)
  }
  const filter: EdgeFilter = {}
  if (namespaces.length > 0) filter.namespaces = namespaces
  const clusters = (Array.isArray(q.cluster) ? q.cluster : q.cluster !== undefined ? [q.cluster] : [])
    .flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n.length > 0)
  for (const c of clusters) {
    if (!CLUSTER_NAME.test(c)) throw BadRequest(`query.cluster: "${c.slice(0, 70)}" is not a cluster name`)
  }
  if (clusters.length > 0) filter.clusters = clusters
  if (q.since !== undefined) filter.since = parseTime('since', q.since, now)
  if (q.until !== undefined) filter.until = parseTime('until', q.until, now)
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw BadRequest(`query.since: ${new Date(filter.since).toISOString()} is after query.until ${new Date(filter.until).toISOString()}`)
  }
  if (q.labelSelector !== undefined && q.labelSelector.trim() !== '') {
    let pred: (l: Record<string, string>) => boolean
    try { pred = parseLabelSelector(q.labelSelector) } catch (err) { throw BadRequest(`query.labelSelector: ${(err as Error).message}`) }
    filter.labelSelector = (id) => labelsOf(id).some(pred)
  }
  return filter
}
