/**
 * Identities of the map -> evaluator endpoints, from the informer-fed ClusterIndex: a workload is the
 * labels its pods share, their addresses and named ports; an External server is the addresses it was
 * seen at; an External client is its address; a Node is its addresses, and so is a workload whose
 * pods run on the host network.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { NetworkPolicy } from '../../src/contract/shadow.js'
import { networkPolicySchema } from '../../src/contract/shadow.js'
import type { ClusterIndex, PodInfo } from '../kube/cluster-index.js'
import type { Endpoint } from './endpoint.js'
import type { EndpointSource } from './shadow.js'

export function commonLabels (pods: Array<{ labels: Record<string, string> }>): Record<string, string> {
  const [first, ...rest] = pods
  if (!first) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(first.labels)) if (rest.every((p) => p.labels[k] === v)) out[k] = v
  return out
}

export function namespaceLabels (index: ClusterIndex, ns: string): Record<string, string> {
  // The API server sets kubernetes.io/metadata.name on every namespace; keep it even before the informer saw it.
  return { ...index.namespaces.get(ns), 'kubernetes.io/metadata.name': ns }
}

export function indexEndpoints (index: ClusterIndex): EndpointSource {
  return {
    endpointOf (id: Identity, edge: Edge, side: 'client' | 'server'): Endpoint {
      if (id.kind === 'External') {
        const ips = side === 'server' ? (edge.addresses ?? []) : [id.name]
        return { kind: 'address', ips }
      }
      if (id.kind === 'Node') return { kind: 'address', ips: index.nodeAddressesOf(id.name) }
      const namespace = id.namespace ?? ''
      const pods: PodInfo[] = index.workloads.workloadPods(id)
      // On the host network a pod is its node's address: no policy selects it, only ipBlocks match it.
      if (pods.length > 0 && pods.every((p) => p.hostNetwork)) return { kind: 'address', ips: [...new Set(pods.flatMap((p) => p.ips))] }
      const namedPorts = new Map<string, number>()
      const namedPortProtocols = new Map<string, string>()
      for (const p of pods) {
        for (const [name, port] of p.namedPorts) {
          if (namedPorts.has(name)) continue
          namedPorts.set(name, port)
          namedPortProtocols.set(name, p.namedPortProtocols.get(name) ?? 'TCP')
        }
      }
      return {
        kind: 'pod',
        namespace,
        labels: commonLabels(pods),
        namespaceLabels: namespaceLabels(index, namespace),
        ips: pods.flatMap((p) => p.ips),
        namedPorts,
        namedPortProtocols
      }
    }
  }
}

/** The cluster's NetworkPolicies that parse (an unparseable one is counted, not evaluated). */
export function clusterPolicies (index: ClusterIndex): { policies: NetworkPolicy[], invalid: string[] } {
  const policies: NetworkPolicy[] = []
  const invalid: string[] = []
  for (const [key, obj] of index.networkPolicies) {
    const p = networkPolicySchema.safeParse(JSON.parse(JSON.stringify(obj)))
    if (p.success) policies.push(p.data)
    else invalid.push(key)
  }
  policies.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  return { policies, invalid }
}
