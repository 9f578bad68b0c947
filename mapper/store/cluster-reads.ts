/**
 * Reads that name clusters (`?cluster=a,b`, a fleet sharing one PostgreSQL store): each cluster's
 * edges, read as that cluster's own map and tagged with its name, clusters in the order asked. Two
 * clusters may hold the same workload names, so their maps are never merged into one.
 */
import type { Edge } from '../../src/contract/map.js'
import type { EdgeFilter } from './edge-store.js'

export async function readClusters (filter: EdgeFilter | undefined, read: (cluster: string) => Promise<Edge[]>): Promise<Edge[] | undefined> {
  if (!filter?.clusters || filter.clusters.length === 0) return undefined
  const out: Edge[] = []
  for (const cluster of [...new Set(filter.clusters)]) for (const e of await read(cluster)) out.push({ ...e, cluster })
  return out
}
