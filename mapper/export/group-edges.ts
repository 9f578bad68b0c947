/** Edges grouped by one side, in a stable order, and small helpers shared by the renderers. */
import type { Edge, Identity, Port } from '../../src/contract/map.js'

export function idKey (id: Identity): string { return `${id.kind}/${id.namespace ?? ''}/${id.name}` }

export function groupBy (edges: Edge[], side: 'client' | 'server'): Array<{ id: Identity, edges: Edge[] }> {
  const groups = new Map<string, { id: Identity, edges: Edge[] }>()
  for (const e of edges) {
    const id = e[side]
    const key = idKey(id)
    const g = groups.get(key)
    if (g) g.edges.push(e)
    else groups.set(key, { id: { kind: id.kind, ...(id.namespace !== undefined ? { namespace: id.namespace } : {}), name: id.name }, edges: [e] })
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g)
}

export function portText (p: Port): string { return `${p.port}/${p.protocol}` }

/** DNS-1123 object name from parts: lower case, [a-z0-9-], at most 253 characters. */
export function objectName (...parts: string[]): string {
  return parts.join('-').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 253)
}

/** Gives each object a unique name within its namespace (a second `x` becomes `x-2`). */
export function uniqueNames<T extends { metadata: { name: string, namespace?: string } }> (objects: T[]): T[] {
  const seen = new Map<string, number>()
  for (const o of objects) {
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`
    const n = (seen.get(key) ?? 0) + 1
    seen.set(key, n)
    if (n > 1) o.metadata.name = `${o.metadata.name}-${n}`
  }
  return objects
}
