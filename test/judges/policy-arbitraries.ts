/**
 * fast-check generators for the shadow-mode judge: small clusters (namespaces with labels, pods with
 * labels and named container ports, external addresses), valid NetworkPolicies over them (pod and
 * namespace selectors alone or in one peer, matchExpressions, ipBlock with except, numbered, named
 * and ranged ports, protocols, policyTypes given or left to defaulting, empty rule lists that deny)
 * and calls between them. Value spaces are small on purpose, so selectors often match.
 */
import fc from 'fast-check'
import type { LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort } from '../../src/contract/shadow.js'

export type Protocol = 'TCP' | 'UDP' | 'SCTP'
export interface GenNamespace { name: string, labels: Record<string, string> }
export interface GenContainerPort { name?: string, port: number, protocol: Protocol }
export interface GenPod { name: string, namespace: string, labels: Record<string, string>, ports: GenContainerPort[] }
/** A side of a call: a pod as `namespace/name`, or an external address. */
/** `port` absent: a call the map saw without a port (podmap then lets the peers alone decide). */
export interface GenCall { client: string, server: string, port?: number, protocol: Protocol }
export interface GenCase { namespaces: GenNamespace[], pods: GenPod[], policies: NetworkPolicy[], calls: GenCall[] }

export const NAMESPACES = ['alpha', 'beta', 'gamma']
export const EXTERNALS = ['192.0.2.10', '198.51.100.20', '203.0.113.30', '10.9.0.5', '2001:db8::10']
const PORTS = [53, 80, 443, 5432, 7000, 8080, 9090]
const PORT_NAMES = ['http', 'dns', 'metrics', 'sctp-x', 'absent']
const CONTAINER_PORTS: GenContainerPort[] = [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'http', port: 80, protocol: 'TCP' },
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns', port: 53, protocol: 'TCP' },
  { name: 'metrics', port: 9090, protocol: 'TCP' },
  { port: 5432, protocol: 'TCP' },
  { name: 'sctp-x', port: 7000, protocol: 'SCTP' }
]
/** CIDRs and, for each, the blocks inside it that `except` may carve out (the API server wants strict subsets). */
const CIDRS: Record<string, string[]> = {
  '0.0.0.0/0': ['10.0.0.0/8', '192.0.2.0/24', '203.0.113.0/25'],
  '10.0.0.0/8': ['10.9.0.0/16', '10.9.0.5/32'],
  '192.0.2.0/24': ['192.0.2.0/28', '192.0.2.128/25'],
  '198.51.100.20/32': [],
  '203.0.113.0/25': ['203.0.113.16/28'],
  '2001:db8::/32': ['2001:db8::/64'],
  '::/0': ['2001:db8::/32']
}

const POD_LABELS = { app: ['web', 'api', 'db'], tier: ['front', 'back'] }
const NS_LABELS = { team: ['red', 'blue'], env: ['prod', 'dev'] }

function labelsArb (space: Record<string, string[]>): fc.Arbitrary<Record<string, string>> {
  return fc.record(Object.fromEntries(Object.entries(space).map(([k, vs]) => [k, fc.constantFrom(...vs)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>
}

function selectorArb (space: Record<string, string[]>): fc.Arbitrary<LabelSelector> {
  const keys = Object.keys(space)
  const expr = fc.constantFrom(...keys).chain((key) => fc.oneof(
    fc.record({ key: fc.constant(key), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.subarray(space[key] ?? [], { minLength: 1 }) }),
    fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) })
  ))
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 4, arbitrary: labelsArb(space).map((matchLabels) => ({ matchLabels })) },
    { weight: 2, arbitrary: fc.array(expr, { minLength: 1, maxLength: 2 }).map((matchExpressions) => ({ matchExpressions })) },
    { weight: 1, arbitrary: fc.tuple(labelsArb(space), fc.array(expr, { minLength: 1, maxLength: 1 })).map(([matchLabels, matchExpressions]) => ({ matchLabels, matchExpressions })) }
  )
}

const nsSelectorArb = selectorArb({ ...NS_LABELS, 'kubernetes.io/metadata.name': NAMESPACES })
const podSelectorArb = selectorArb(POD_LABELS)

const ipBlockArb = fc.constantFrom(...Object.keys(CIDRS)).chain((cidr) => {
  const inside = CIDRS[cidr] ?? []
  if (inside.length === 0) return fc.constant({ cidr })
  return fc.option(fc.subarray(inside, { minLength: 1 }), { nil: undefined }).map((except) => except ? { cidr, except } : { cidr })
})

const peerArb: fc.Arbitrary<PolicyPeer> = fc.oneof(
  podSelectorArb.map((podSelector) => ({ podSelector })),
  nsSelectorArb.map((namespaceSelector) => ({ namespaceSelector })),
  fc.tuple(nsSelectorArb, podSelectorArb).map(([namespaceSelector, podSelector]) => ({ namespaceSelector, podSelector })),
  ipBlockArb.map((ipBlock) => ({ ipBlock }))
)

const protocolArb = fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP')

const portArb: fc.Arbitrary<PolicyPort> = fc.oneof(
  fc.record({ protocol: protocolArb }),
  fc.record({ protocol: protocolArb, port: fc.constantFrom(...PORTS) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: protocolArb, port: fc.constantFrom(...PORT_NAMES) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: protocolArb, port: fc.constantFrom(...PORTS), span: fc.constantFrom(0, 1, 10, 1000) }, { requiredKeys: ['port', 'span'] })
    .map(({ span, ...p }) => ({ ...p, endPort: Math.min(65535, (p.port) + span) }))
)

function rulesArb (peerKey: 'from' | 'to'): fc.Arbitrary<Array<Record<string, unknown>> | undefined> {
  const rule = fc.record({
    [peerKey]: fc.option(fc.array(peerArb, { minLength: 0, maxLength: 3 }), { nil: undefined }),
    ports: fc.option(fc.array(portArb, { minLength: 0, maxLength: 2 }), { nil: undefined })
  }, { requiredKeys: [] })
  return fc.option(fc.array(rule, { minLength: 0, maxLength: 3 }), { nil: undefined, freq: 3 })
}

const policyTypesArb = fc.constantFrom(undefined, ['Ingress' as const], ['Egress' as const], ['Ingress' as const, 'Egress' as const])

function policyArb (namespaces: string[], i: number): fc.Arbitrary<NetworkPolicy> {
  return fc.record({
    namespace: fc.constantFrom(...namespaces),
    podSelector: podSelectorArb,
    policyTypes: policyTypesArb,
    ingress: rulesArb('from'),
    egress: rulesArb('to')
  }).map(({ namespace, podSelector, policyTypes, ingress, egress }) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `pol-${i}`, namespace },
    spec: {
      podSelector,
      ...(policyTypes ? { policyTypes } : {}),
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {})
    }
  }) as NetworkPolicy)
}

const containerPortsArb = fc.subarray(CONTAINER_PORTS, { maxLength: 3 })
  .map((ports) => ports.filter((p, i) => p.name === undefined || ports.findIndex((q) => q.name === p.name) === i))

export const caseArb: fc.Arbitrary<GenCase> = fc.subarray(NAMESPACES, { minLength: 1 }).chain((nsNames) => fc.record({
  namespaces: fc.tuple(...nsNames.map((name) => labelsArb(NS_LABELS).map((labels) => ({ name, labels })))),
  pods: fc.array(fc.record({ namespace: fc.constantFrom(...nsNames), labels: labelsArb(POD_LABELS), ports: containerPortsArb }), { minLength: 2, maxLength: 5 })
    .map((pods) => pods.map((p, i) => ({ ...p, name: `p${i}` }))),
  policies: fc.integer({ min: 0, max: 4 }).chain((n): fc.Arbitrary<NetworkPolicy[]> => n === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: n }, (_, i) => policyArb(nsNames, i)))),
  calls: fc.array(fc.record({ client: fc.nat(), server: fc.nat(), port: fc.oneof(fc.constantFrom(...PORTS), fc.nat({ max: 2 })), protocol: protocolArb }), { minLength: 20, maxLength: 40 })
})).map(({ namespaces, pods, policies, calls }) => {
  const sides = [...pods.map((p) => `${p.namespace}/${p.name}`), ...EXTERNALS]
  const resolved: GenCall[] = []
  for (const c of calls) {
    const client = sides[c.client % sides.length] as string
    let server = sides[c.server % sides.length] as string
    if (server === client) server = sides[(c.server + 1) % sides.length] as string
    if (!client.includes('/') && !server.includes('/')) continue // address to address: no pod, nothing to judge
    // A small port number picks one of the server's own container ports (so named ports get exercised).
    const own = pods.find((p) => `${p.namespace}/${p.name}` === server)?.ports ?? []
    const picked = c.port <= 2 ? own[c.port % Math.max(own.length, 1)] : undefined
    const call = picked ? { client, server, port: picked.port, protocol: picked.protocol } : { client, server, port: c.port <= 2 ? 8080 : c.port, protocol: c.protocol }
    if (!resolved.some((r) => JSON.stringify(r) === JSON.stringify(call))) resolved.push(call)
  }
  return { namespaces, pods, policies, calls: resolved }
})
