/**
 * Kubernetes NetworkPolicies from the map: per workload an ingress policy allowing exactly its
 * observed clients on exactly the observed ports (none: deny) and an egress policy allowing its
 * observed servers plus DNS to the cluster DNS. External names become ipBlock /32 (/128) of the
 * addresses seen, annotated with the FQDN; namespaces are selected by kubernetes.io/metadata.name.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { NetworkPolicy, PolicyPeer, PolicyPort } from '../../src/contract/shadow.js'
import { hostCidr } from '../policy/cidr.js'
import { allowedCidrs, droppedAnnotations, externalTarget, noneDropped, type Dropped } from './external-peers.js'
import {
  BROAD_ANNOTATION, FQDN_ANNOTATION, MANAGED_BY, NAMESPACE_NAME_LABEL, UNRESOLVED_ANNOTATION,
  isPodWorkload, type ExportLookup
} from './lookup.js'
import { groupBy, idKey, objectName, uniqueNames } from './group-edges.js'

type Rule = { peers: PolicyPeer[], ports: PolicyPort[] }

interface PeerNotes { fqdns: Record<string, string>, broad: string[], unresolved: string[], dropped: Dropped }

const newNotes = (): PeerNotes => ({ fqdns: {}, broad: [], unresolved: [], dropped: noneDropped() })

function nsSelector (ns: string) { return { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } }

/** The peers that stand for `id` in a policy of namespace `policyNs`. */
function peersOf (id: Identity, edge: Edge, side: 'client' | 'server', policyNs: string, lookup: ExportLookup, notes: PeerNotes): PolicyPeer[] {
  if (id.kind === 'External') {
    // A server by name: the addresses it was seen at; one named by its address, or a client: that address.
    const target = externalTarget(id, lookup, notes.dropped)
    if (!target) return []
    const cidrs = 'cidr' in target ? [target.cidr] : side === 'server' ? allowedCidrs(edge.addresses ?? [], lookup, notes.dropped) : []
    if (cidrs.length === 0) { notes.unresolved.push(id.name); return [] }
    if ('fqdn' in target) for (const c of cidrs) notes.fqdns[c] = id.name
    return cidrs.map((cidr) => ({ ipBlock: { cidr } }))
  }
  if (id.kind === 'Node') {
    return [...new Set(lookup.nodeAddresses(id.name).map(hostCidr).filter((c): c is string => c !== undefined))].sort().map((cidr) => ({ ipBlock: { cidr } }))
  }
  const ns = id.namespace ?? policyNs
  const labels = isPodWorkload(id) ? lookup.podLabels(id) : undefined
  if (!labels || Object.keys(labels).length === 0) {
    notes.broad.push(idKey(id))
    return [ns === policyNs ? { podSelector: {} } : { namespaceSelector: nsSelector(ns) }]
  }
  return [ns === policyNs ? { podSelector: { matchLabels: labels } } : { namespaceSelector: nsSelector(ns), podSelector: { matchLabels: labels } }]
}

function portsOf (edge: Edge): PolicyPort[] {
  return edge.ports.map((p) => ({ protocol: p.protocol, port: p.port }))
}

function annotations (notes: PeerNotes): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  if (Object.keys(notes.fqdns).length > 0) out[FQDN_ANNOTATION] = JSON.stringify(notes.fqdns)
  if (notes.broad.length > 0) out[BROAD_ANNOTATION] = [...new Set(notes.broad)].sort().join(',')
  if (notes.unresolved.length > 0) out[UNRESOLVED_ANNOTATION] = [...new Set(notes.unresolved)].sort().join(',')
  Object.assign(out, droppedAnnotations(notes.dropped))
  return Object.keys(out).length > 0 ? out : undefined
}

function policy (name: string, namespace: string, selector: Record<string, string>, type: 'Ingress' | 'Egress', rules: Rule[], notes: PeerNotes): NetworkPolicy {
  const a = annotations(notes)
  const spec: NetworkPolicy['spec'] = { podSelector: { matchLabels: selector }, policyTypes: [type] }
  const shaped = rules.map((r) => ({ ...(r.peers.length > 0 ? { [type === 'Ingress' ? 'from' : 'to']: r.peers } : {}), ...(r.ports.length > 0 ? { ports: r.ports } : {}) }))
  if (type === 'Ingress') spec.ingress = shaped
  else spec.egress = shaped
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { ...MANAGED_BY }, ...(a ? { annotations: a } : {}) },
    spec
  }
}

/** Every pod workload of the map, with the edges into it and out of it. */
export function workloadsOf (edges: Edge[]): Array<{ id: Identity, incoming: Edge[], outgoing: Edge[] }> {
  const incoming = new Map(groupBy(edges, 'server').map((g) => [idKey(g.id), g]))
  const outgoing = new Map(groupBy(edges, 'client').map((g) => [idKey(g.id), g]))
  const keys = [...new Set([...incoming.keys(), ...outgoing.keys()])].sort()
  const out: Array<{ id: Identity, incoming: Edge[], outgoing: Edge[] }> = []
  for (const key of keys) {
    const id = (incoming.get(key) ?? outgoing.get(key))?.id
    if (!id || !isPodWorkload(id)) continue
    out.push({ id, incoming: incoming.get(key)?.edges ?? [], outgoing: outgoing.get(key)?.edges ?? [] })
  }
  return out
}

/**
 * Both directions for every workload of the map, so that only what was observed passes: a workload
 * never called gets an ingress policy without rules (deny), one that calls nothing only DNS egress.
 */
export function toNetworkPolicies (edges: Edge[], lookup: ExportLookup): NetworkPolicy[] {
  const out: NetworkPolicy[] = []
  const dns = lookup.clusterDns()
  for (const { id, incoming, outgoing } of workloadsOf(edges)) {
    const labels = lookup.podLabels(id)
    if (!labels || Object.keys(labels).length === 0 || !id.namespace) continue
    const inNotes = newNotes()
    const inRules: Rule[] = []
    for (const e of incoming) {
      const peers = peersOf(e.client, e, 'client', id.namespace, lookup, inNotes)
      if (peers.length > 0) inRules.push({ peers, ports: portsOf(e) })
    }
    out.push(policy(objectName('podmap', id.name, 'ingress'), id.namespace, labels, 'Ingress', inRules, inNotes))
    const outNotes = newNotes()
    const outRules: Rule[] = []
    for (const e of outgoing) {
      const peers = peersOf(e.server, e, 'server', id.namespace, lookup, outNotes)
      if (peers.length > 0) outRules.push({ peers, ports: portsOf(e) })
    }
    outRules.push({
      peers: [{ namespaceSelector: nsSelector(dns.namespace), podSelector: { matchLabels: dns.podLabels } }],
      ports: dns.ports.map((p) => ({ protocol: p.protocol, port: p.port }))
    })
    out.push(policy(objectName('podmap', id.name, 'egress'), id.namespace, labels, 'Egress', outRules, outNotes))
  }
  out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  return uniqueNames(out)
}
