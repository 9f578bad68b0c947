/**
 * The map as a graph: nodes grouped by namespace (externals and nodes in groups of their own).
 * Every name in a label is inert (src/text/inert.ts): a control character, NUL or bidi override in a
 * name is shown as an escape, so no renderer (DOT, Mermaid, SVG, PNG) interprets or chokes on it.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import { idKey, portText } from './group-edges.js'
import { inert } from '../../src/text/inert.js'

export interface GraphNode { id: string, label: string, kind: string, name: string }
export interface GraphGroup { name: string, nodes: GraphNode[] }
export interface GraphEdge { from: string, to: string, label: string }
export interface GraphModel { groups: GraphGroup[], edges: GraphEdge[] }

export const EXTERNAL_GROUP = '(external)'
export const NODES_GROUP = '(nodes)'

function groupOf (id: Identity): string {
  if (id.kind === 'External') return EXTERNAL_GROUP
  if (id.kind === 'Node') return NODES_GROUP
  return id.namespace !== undefined ? inert(id.namespace) : EXTERNAL_GROUP
}

export function graphModel (edges: Edge[]): GraphModel {
  const nodes = new Map<string, { node: GraphNode, group: string }>()
  const idOf = (id: Identity): string => {
    const key = idKey(id)
    let n = nodes.get(key)
    if (!n) {
      n = { node: { id: `n${nodes.size + 1}`, label: `${inert(id.kind)}\n${inert(id.name)}`, kind: id.kind, name: inert(id.name) }, group: groupOf(id) }
      nodes.set(key, n)
    }
    return n.node.id
  }
  const out: GraphEdge[] = []
  for (const e of edges) {
    const from = idOf(e.client)
    const to = idOf(e.server)
    const ports = e.ports.map(portText).join(', ')
    out.push({ from, to, label: e.server.service ? `${ports}${ports ? ' ' : ''}via ${inert(e.server.service)}` : ports })
  }
  const groups = new Map<string, GraphNode[]>()
  for (const { node, group } of nodes.values()) {
    const list = groups.get(group) ?? []
    list.push(node)
    groups.set(group, list)
  }
  return {
    groups: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, ns]) => ({ name, nodes: ns })),
    edges: out
  }
}
