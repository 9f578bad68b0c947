/**
 * CiliumNetworkPolicies (cilium.io/v2) from the map, shaped like the NetworkPolicy export (an
 * ingress and an egress policy per workload), with `toFQDNs` for external names and a
 * DNS rule carrying `rules.dns` so Cilium's DNS proxy learns the names' addresses. As there, a
 * host-network workload is the host (entities `host`, `remote-node`) and gets no policy, a call
 * without a port allows nothing, and selectors leave out the other workloads their labels match.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { KubeObjectOut } from '../../src/contract/export.js'
import { BROAD_ANNOTATION, MANAGED_BY, PORTLESS_ANNOTATION, isPodWorkload, type ExportLookup } from './lookup.js'
import { droppedAnnotations, externalTarget, noneDropped, type Dropped } from './external-peers.js'
import { asLabelSelector, workloadSelector } from './workload-selector.js'
import { idKey, objectName, uniqueNames } from './group-edges.js'
import { workloadsOf } from './network-policy.js'

const NS_LABEL = 'k8s:io.kubernetes.pod.namespace'

type CiliumRule = Record<string, unknown>

function toPorts (edge: Edge): CiliumRule {
  return edge.ports.length > 0 ? { toPorts: [{ ports: edge.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }] } : {}
}

interface Notes { broad: string[], portless: string[], dropped: Dropped }
const newNotes = (): Notes => ({ broad: [], portless: [], dropped: noneDropped() })

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
  if (id.kind === 'Node' || (isPodWorkload(id) && lookup.hostNetworkAddresses(id))) return { [`${dir}Entities`]: ['host', 'remote-node'] }
  const labels = isPodWorkload(id) ? lookup.podLabels(id) : undefined
  if (!labels || Object.keys(labels).length === 0) {
    notes.broad.push(idKey(id))
    return { [`${dir}Endpoints`]: [{ matchLabels: { [NS_LABEL]: id.namespace ?? '' } }] }
  }
  const selector = asLabelSelector(workloadSelector(id, labels, lookup))
  return { [`${dir}Endpoints`]: [{ ...selector, matchLabels: { ...selector.matchLabels, [NS_LABEL]: id.namespace ?? '' } }] }
}

function cnp (name: string, namespace: string, selector: ReturnType<typeof asLabelSelector>, dir: 'ingress' | 'egress', rules: CiliumRule[], notes: Notes): KubeObjectOut {
  const annotations: Record<string, string> = {}
  if (notes.broad.length > 0) annotations[BROAD_ANNOTATION] = [...new Set(notes.broad)].sort().join(',')
  if (notes.portless.length > 0) annotations[PORTLESS_ANNOTATION] = [...new Set(notes.portless)].sort().join(',')
  Object.assign(annotations, droppedAnnotations(notes.dropped))
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace, labels: { ...MANAGED_BY }, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: { endpointSelector: selector, [dir]: rules }
  }
}

export function toCiliumPolicies (edges: Edge[], lookup: ExportLookup): KubeObjectOut[] {
  const out: KubeObjectOut[] = []
  const dns = lookup.clusterDns()
  for (const { id, incoming, outgoing } of workloadsOf(edges)) {
    const labels = lookup.podLabels(id)
    if (!labels || Object.keys(labels).length === 0 || !id.namespace) continue
    if (lookup.hostNetworkAddresses(id)) continue
    const selector = asLabelSelector(workloadSelector(id, labels, lookup))
    const rulesOf = (list: Edge[], dir: 'from' | 'to', notes: Notes): CiliumRule[] => list.flatMap((e) => {
      const peer = dir === 'from' ? e.client : e.server
      if (e.ports.length === 0) { notes.portless.push(idKey(peer)); return [] }
      const p = peerOf(peer, dir, lookup, notes)
      return p ? [{ ...p, ...toPorts(e) }] : []
    })
    const inNotes = newNotes()
    const inRules = rulesOf(incoming, 'from', inNotes)
    // An empty rule selects no peer but still puts the endpoint in default deny for the direction.
    out.push(cnp(objectName('podmap', id.name, 'ingress'), id.namespace, selector, 'ingress', inRules.length > 0 ? inRules : [{}], inNotes))
    const outNotes = newNotes()
    const outRules = rulesOf(outgoing, 'to', outNotes)
    outRules.push({
      toEndpoints: [{ matchLabels: { ...dns.podLabels, [NS_LABEL]: dns.namespace } }],
      toPorts: [{ ports: dns.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })), rules: { dns: [{ matchPattern: '*' }] } }]
    })
    out.push(cnp(objectName('podmap', id.name, 'egress'), id.namespace, selector, 'egress', outRules, outNotes))
  }
  out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  return uniqueNames(out)
}
