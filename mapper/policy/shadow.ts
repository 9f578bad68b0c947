/** Shadow mode: every observed call (edge x port) evaluated against a set of NetworkPolicies. */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { DeniedCall, NetworkPolicy } from '../../src/contract/shadow.js'
import type { Endpoint } from './endpoint.js'
import { evaluateCall } from './evaluate.js'

/** How an identity of the map looks to the evaluator (the mapper implements it from ClusterIndex). */
export interface EndpointSource {
  endpointOf: (id: Identity, edge: Edge, side: 'client' | 'server') => Endpoint
}

export interface ShadowResult { evaluated: number, denied: DeniedCall[] }

export function evaluateEdges (edges: Edge[], policies: NetworkPolicy[], source: EndpointSource): ShadowResult {
  const denied: DeniedCall[] = []
  let evaluated = 0
  for (const edge of edges) {
    const client = source.endpointOf(edge.client, edge, 'client')
    const server = source.endpointOf(edge.server, edge, 'server')
    const ports = edge.ports.length > 0 ? edge.ports : [undefined]
    for (const port of ports) {
      evaluated++
      const v = evaluateCall(policies, client, server, port)
      if (v.allowed) continue
      const deniedBy: DeniedCall['deniedBy'] = []
      if (!v.egress.allowed) deniedBy.push({ direction: 'egress', namespace: edge.client.namespace ?? '', policies: v.egress.policies })
      if (!v.ingress.allowed) deniedBy.push({ direction: 'ingress', namespace: edge.server.namespace ?? '', policies: v.ingress.policies })
      denied.push({ client: edge.client, server: edge.server, ...(port ? { port } : {}), deniedBy })
    }
  }
  return { evaluated, denied }
}

/** Denied calls per namespace for the gauge: counted once, in the namespace of the first side that denies. */
export function deniedPerNamespace (denied: DeniedCall[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const d of denied) {
    const ns = d.deniedBy[0]?.namespace ?? ''
    out.set(ns, (out.get(ns) ?? 0) + 1)
  }
  return out
}
