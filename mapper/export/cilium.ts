/**
 * CiliumNetworkPolicies (cilium.io/v2) from the map, shaped like the NetworkPolicy export (an
 * ingress and an egress policy per workload), with `toFQDNs` for external names and a
 * DNS rule carrying `rules.dns` so Cilium's DNS proxy learns the names' addresses.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { KubeObjectOut } from '../../src/contract/export.js'
import { BROAD_ANNOTATION, MANAGED_BY, isPodWorkload, type ExportLookup } from './lookup.js'
import { droppedAnnotations, externalTarget, noneDropped, type Dropped } from './external-peers.js'
import { idKey, objectName, uniqueNames } from './group-edges.js'
import { workloadsOf } from './network-policy.js'

const NS_LABEL = 'k8s:io.kubernetes.pod.namespace'

type CiliumRule = Record<string, unknown>

function toPorts (edge: Edge): CiliumRule {
  return edge.ports.length > 0 ? { toPorts: [{ ports: edge.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }] } : {}
}

interface Notes { broad: string[], dropped: Dropped }
const newNotes = (): Notes => ({ broad: [], dropped: noneDropped() })

/**
 * The part of a rule naming `id`: endpoints, CIDRs, FQDNs or entities. An External server by name is
 * an FQDN rule only when the name is a hostname; one known by its address (or a client) a CIDR.
 */
function peerOf (id: Identity, dir: 'from' | 'to', lookup: ExportLookup, notes: Notes): CiliumRule | undefined {
  if (id.kind === 'External') {
    const target = externalTarget(id, lookup, notes.dropped)
    if (!target) return undefined
    if ('cidr' in target) return { [`${dir}CIDR`]: [target.cidr] }
    return dir === 'to' ? { toFQDNs: [{ matchName: target.fqdn }] } : undefined
  }
  const broad = notes.broad
  if (id.kind === 'Node') return { [`${dir}Entities`]: ['host', 'remote-node'] }
  const labels = isPodWorkload(id) ? lookup.podLabels(id) : undefined
  if (!labels || Object.keys(labels).length === 0) broad.push(idKey(id))
  return { [`${dir}Endpoints`]: [{ matchLabels: { ...(labels ?? {}), [NS_LABEL]: id.namespace ?? '' } }] }
}

function cnp (name: string, namespace: string, labels: Record<string, string>, dir: 'ingress' | 'egress', rules: CiliumRule[], notes: Notes): KubeObjectOut {
  const annotations = { ...(notes.broad.length > 0 ? { [BROAD_ANNOTATION]: [...new Set(notes.broad)].sort().join(',') } : {}), ...droppedAnnotations(notes.dropped) }
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace, labels: { ...MANAGED_BY }, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: { endpointSelector: { matchLabels: labels }, [dir]: rules }
  }
}

export function toCiliumPolicies (edges: Edge[], lookup: ExportLookup): KubeObjectOut[] {
  const out: KubeObjectOut[] = []
  const dns = lookup.clusterDns()
  for (const { id, incoming, outgoing } of workloadsOf(edges)) {
    const labels = lookup.podLabels(id)
    if (!labels || Object.keys(labels).length === 0 || !id.namespace) continue
    const inNotes = newNotes()
    const inRules = incoming.flatMap((e) => { const p = peerOf(e.client, 'from', lookup, inNotes); return p ? [{ ...p, ...toPorts(e) }] : [] })
    // An empty rule selects no peer but still puts the endpoint in default deny for the direction.
    out.push(cnp(objectName('podmap', id.name, 'ingress'), id.namespace, labels, 'ingress', inRules.length > 0 ? inRules : [{}], inNotes))
    const outNotes = newNotes()
    const outRules = outgoing.flatMap((e) => { const p = peerOf(e.server, 'to', lookup, outNotes); return p ? [{ ...p, ...toPorts(e) }] : [] })
    outRules.push({
      toEndpoints: [{ matchLabels: { ...dns.podLabels, [NS_LABEL]: dns.namespace } }],
      toPorts: [{ ports: dns.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })), rules: { dns: [{ matchPattern: '*' }] } }]
    })
    out.push(cnp(objectName('podmap', id.name, 'egress'), id.namespace, labels, 'egress', outRules, outNotes))
  }
  out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  return uniqueNames(out)
}
