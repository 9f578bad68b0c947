/**
 * Kubernetes NetworkPolicies from the map: per workload an ingress policy allowing exactly its
 * observed clients on exactly the observed ports (none: deny) and an egress policy allowing its
 * observed servers plus DNS to the cluster DNS. External names become ipBlock /32 (/128) of the
 * addresses seen, annotated with the FQDN; namespaces are selected by kubernetes.io/metadata.name.
 * A workload on the host network is its nodes' addresses (an ipBlock peer, no policy of its own); a
 * call seen without a port allows nothing (it is listed in an annotation); a workload's selector
 * leaves out the other workloads its labels would select (workload-selector.ts).
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { NetworkPolicy, PolicyPeer, PolicyPort } from '../../src/contract/shadow.js'
import { hostCidr } from '../policy/cidr.js'
import { allowedCidrs, droppedAnnotations, externalTarget, noneDropped, type Dropped } from './external-peers.js'
import {
  BROAD_ANNOTATION, FQDN_ANNOTATION, MANAGED_BY, NAMESPACE_NAME_LABEL, PORTLESS_ANNOTATION, SHARED_SELECTOR_ANNOTATION,
  UNRESOLVED_ANNOTATION, isPodWorkload, type ExportLookup
} from './lookup.js'
import { groupBy, idKey, objectName, uniqueNames } from './group-edges.js'
import { asLabelSelector, workloadSelector } from './workload-selector.js'

type Rule = { peers: PolicyPeer[], ports: PolicyPort[] }

interface PeerNotes { fqdns: Record<string, string>, broad: string[], unresolved: string[], portless: string[], shared: string[], dropped: Dropped }

const emptyNotes = (): PeerNotes => ({ fqdns: {}, broad: [], unresolved: [], portless: [], shared: [], dropped: noneDropped() })

const cidrsOf = (ips: string[]): string[] => [...new Set(ips.map(hostCidr).filter((c): c is string => c !== undefined))].sort()

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
  if (id.kind === 'Node') return cidrsOf(lookup.nodeAddresses(id.name)).map((cidr) => ({ ipBlock: { cidr } }))
  const host = isPodWorkload(id) ? lookup.hostNetworkAddresses(id) : undefined
  if (host) return cidrsOf(host).map((cidr) => ({ ipBlock: { cidr } }))
  const ns = id.namespace ?? policyNs
  const labels = isPodWorkload(id) ? lookup.podLabels(id) : undefined
  if (!labels || Object.keys(labels).length === 0) {
    notes.broad.push(idKey(id))
    return [ns === policyNs ? { podSelector: {} } : { namespaceSelector: nsSelector(ns) }]
  }
  const selector = workloadSelector(id, labels, lookup)
  notes.shared.push(...selector.shared)
  const podSelector = asLabelSelector(selector)
  return [ns === policyNs ? { podSelector } : { namespaceSelector: nsSelector(ns), podSelector }]
}

function portsOf (edge: Edge): PolicyPort[] {
  return edge.ports.map((p) => ({ protocol: p.protocol, port: p.port }))
}

function annotations (notes: PeerNotes): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  if (Object.keys(notes.fqdns).length > 0) out[FQDN_ANNOTATION] = JSON.stringify(notes.fqdns)
  if (notes.broad.length > 0) out[BROAD_ANNOTATION] = [...new Set(notes.broad)].sort().join(',')
  if (notes.unresolved.length > 0) out[UNRESOLVED_ANNOTATION] = [...new Set(notes.unresolved)].sort().join(',')
  if (notes.portless.length > 0) out[PORTLESS_ANNOTATION] = [...new Set(notes.portless)].sort().join(',')
  if (notes.shared.length > 0) out[SHARED_SELECTOR_ANNOTATION] = [...new Set(notes.shared)].sort().join(',')
  Object.assign(out, droppedAnnotations(notes.dropped))
  return Object.keys(out).length > 0 ? out : undefined
}

function policy (name: string, namespace: string, podSelector: NetworkPolicy['spec']['podSelector'], type: 'Ingress' | 'Egress', rules: Rule[], notes: PeerNotes): NetworkPolicy {
  const a = annotations(notes)
  const spec: NetworkPolicy['spec'] = { podSelector, policyTypes: [type] }
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
    // NetworkPolicies do not apply to pods on the host network: such a workload is an address to others.
    if (lookup.hostNetworkAddresses(id)) continue
    const own = workloadSelector(id, labels, lookup)
    const podSelector = asLabelSelector(own)
    const rulesOf = (list: Edge[], side: 'client' | 'server', n: PeerNotes): Rule[] => {
      const rules: Rule[] = []
      for (const e of list) {
        const peerId = side === 'client' ? e.client : e.server
        // A call without a port is a name resolved with no connection seen: allowing every port to it would widen the policy.
        if (e.ports.length === 0) { n.portless.push(idKey(peerId)); continue }
        const peers = peersOf(peerId, e, side, id.namespace as string, lookup, n)
        if (peers.length > 0) rules.push({ peers, ports: portsOf(e) })
      }
      return rules
    }
    const inNotes = emptyNotes()
    inNotes.shared.push(...own.shared)
    out.push(policy(objectName('podmap', id.name, 'ingress'), id.namespace, podSelector, 'Ingress', rulesOf(incoming, 'client', inNotes), inNotes))
    const outNotes = emptyNotes()
    outNotes.shared.push(...own.shared)
    const outRules = rulesOf(outgoing, 'server', outNotes)
    outRules.push({
      peers: [{ namespaceSelector: nsSelector(dns.namespace), podSelector: { matchLabels: dns.podLabels } }],
      ports: dns.ports.map((p) => ({ protocol: p.protocol, port: p.port }))
    })
    out.push(policy(objectName('podmap', id.name, 'egress'), id.namespace, podSelector, 'Egress', outRules, outNotes))
  }
  out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  return uniqueNames(out)
}
