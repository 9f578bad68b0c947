/** Shadow mode: every observed call (edge x port) evaluated against a set of NetworkPolicies. */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { AllowedBy, AllowedCall, DeniedCall, NetworkPolicy } from '../../src/contract/shadow.js'
import type { Endpoint } from './endpoint.js'
import { evaluateCall, type DirectionVerdict } from './evaluate.js'

/** How an identity of the map looks to the evaluator (the mapper implements it from ClusterIndex). */
export interface EndpointSource {
  endpointOf: (id: Identity, edge: Edge, side: 'client' | 'server') => Endpoint
}

export interface ShadowResult { evaluated: number, denied: DeniedCall[], allowed: AllowedCall[] }

function allowedBy (dir: 'egress' | 'ingress', namespace: string, v: DirectionVerdict): AllowedBy[] {
  return v.allowedBy ? [{ direction: dir, namespace, policy: v.allowedBy.policy, rule: v.allowedBy.rule }] : []
}

export function evaluateEdges (edges: Edge[], policies: NetworkPolicy[], source: EndpointSource): ShadowResult {
  const denied: DeniedCall[] = []
  const allowed: AllowedCall[] = []
  let evaluated = 0
  for (const edge of edges) {
    const client = source.endpointOf(edge.client, edge, 'client')
    const server = source.endpointOf(edge.server, edge, 'server')
    const clientNs = edge.client.namespace ?? ''
    const serverNs = edge.server.namespace ?? ''
    const ports = edge.ports.length > 0 ? edge.ports : [undefined]
    for (const port of ports) {
      evaluated++
      const v = evaluateCall(policies, client, server, port)
      const by = [...allowedBy('egress', clientNs, v.egress), ...allowedBy('ingress', serverNs, v.ingress)]
      const call = { client: edge.client, server: edge.server, ...(port ? { port } : {}) }
      if (v.allowed) { allowed.push({ ...call, allowedBy: by }); continue }
      const deniedBy: DeniedCall['deniedBy'] = []
      if (!v.egress.allowed) deniedBy.push({ direction: 'egress', namespace: clientNs, policies: v.egress.policies })
      if (!v.ingress.allowed) deniedBy.push({ direction: 'ingress', namespace: serverNs, policies: v.ingress.policies })
      denied.push({ ...call, deniedBy, allowedBy: by })
    }
  }
  return { evaluated, denied, allowed }
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
