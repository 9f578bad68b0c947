/**
 * Kubernetes NetworkPolicy semantics for one call: the client's egress AND the server's ingress must
 * allow it. A pod that no policy selects for a direction is open in that direction; once any policy
 * selects it, only what some selecting policy's rules allow passes (policies are additive).
 */
import type { Direction, NetworkPolicy, PolicyPeer, PolicyPort } from '../../src/contract/shadow.js'
import type { Port } from '../../src/contract/map.js'
import type { Endpoint } from './endpoint.js'
import { selectorMatches } from '../kube/label-selector.js'
import { cidrContains, parseCidr } from './cidr.js'

/** The rule that let a call through: `namespace/name` of the policy and the index in its `ingress` or `egress`. */
export interface RuleRef { policy: string, rule: number }

export interface DirectionVerdict {
  /** Some policy selects the pod for this direction (so default deny applies). */
  selected: boolean
  allowed: boolean
  /** `namespace/name` of the policies selecting the pod for this direction. */
  policies: string[]
  /** When selected and allowed: the first rule (policies in `policies` order, rules in their order) that allows it. */
  allowedBy?: RuleRef
}

export interface Verdict { allowed: boolean, ingress: DirectionVerdict, egress: DirectionVerdict }

/** A policy without a namespace (as in a file for `kubectl apply -n`) is read as `default`'s. */
export function policyNamespace (p: NetworkPolicy): string { return p.metadata.namespace ?? 'default' }

export function policyKey (p: NetworkPolicy): string { return `${policyNamespace(p)}/${p.metadata.name}` }

/** policyTypes, defaulted as the API server does: Ingress always, Egress when egress rules exist. */
export function policyTypesOf (p: NetworkPolicy): Set<'Ingress' | 'Egress'> {
  const declared = p.spec.policyTypes
  if (declared && declared.length > 0) return new Set(declared)
  return new Set(p.spec.egress && p.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'])
}

export function peerMatches (peer: PolicyPeer, policyNs: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    const cidr = parseCidr(peer.ipBlock.cidr)
    if (!cidr) return false
    const excepts = (peer.ipBlock.except ?? []).map(parseCidr).filter((c) => c !== undefined)
    return other.ips.some((ip) => cidrContains(cidr, ip) && !excepts.some((e) => cidrContains(e, ip)))
  }
  if (!peer.podSelector && !peer.namespaceSelector) return false // an empty peer is invalid: it matches nothing
  if (other.kind !== 'pod') return false
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, other.namespaceLabels) : other.namespace === policyNs
  return nsOk && (peer.podSelector ? selectorMatches(peer.podSelector, other.labels) : true)
}

/**
 * Named ports resolve on the destination pod of the call (the server), for ingress and egress alike,
 * and only on their own protocol ("the port on the given protocol": `http` declared TCP names nothing for UDP).
 */
export function portMatches (rulePorts: PolicyPort[] | null | undefined, port: Port | undefined, destination: Endpoint): boolean {
  if (!rulePorts || rulePorts.length === 0 || port === undefined) return true
  return rulePorts.some((rp) => {
    if ((rp.protocol ?? 'TCP') !== port.protocol) return false
    if (rp.port === undefined || rp.port === null) return true
    let number: number | undefined
    if (typeof rp.port === 'number') number = rp.port
    else if (/^\d+$/.test(rp.port)) number = Number(rp.port)
    else if (destination.kind === 'pod' && (destination.namedPortProtocols?.get(rp.port) ?? 'TCP') === port.protocol) number = destination.namedPorts.get(rp.port)
    if (number === undefined) return false
    if (typeof rp.port === 'number' && rp.endPort !== undefined && rp.endPort !== null) return port.port >= number && port.port <= rp.endPort
    return port.port === number
  })
}

function directionVerdict (policies: NetworkPolicy[], dir: Direction, subject: Endpoint, peer: Endpoint, port: Port | undefined, destination: Endpoint): DirectionVerdict {
  if (subject.kind !== 'pod') return { selected: false, allowed: true, policies: [] }
  const type = dir === 'ingress' ? 'Ingress' : 'Egress'
  const selecting = policies
    .filter((p) => policyNamespace(p) === subject.namespace && policyTypesOf(p).has(type) && selectorMatches(p.spec.podSelector, subject.labels))
    .map((p) => ({ p, key: policyKey(p) }))
    .sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  if (selecting.length === 0) return { selected: false, allowed: true, policies: [] }
  const keys = selecting.map((s) => s.key)
  for (const { p, key } of selecting) {
    const ns = policyNamespace(p)
    const rules = dir === 'ingress'
      ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
      : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))
    const rule = rules.findIndex((r) => (!r.peers || r.peers.length === 0 || r.peers.some((x) => peerMatches(x, ns, peer))) && portMatches(r.ports, port, destination))
    if (rule >= 0) return { selected: true, allowed: true, policies: keys, allowedBy: { policy: key, rule } }
  }
  return { selected: true, allowed: false, policies: keys }
}

/** Would `policies` let `client` reach `server` on `port`? (No port: peers alone decide.) */
export function evaluateCall (policies: NetworkPolicy[], client: Endpoint, server: Endpoint, port?: Port): Verdict {
  const egress = directionVerdict(policies, 'egress', client, server, port, server)
  const ingress = directionVerdict(policies, 'ingress', server, client, port, server)
  return { allowed: egress.allowed && ingress.allowed, ingress, egress }
}
