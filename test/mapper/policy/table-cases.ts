/**
 * The evaluator's table: the upstream examples (the Kubernetes docs' policy page) and the well-known
 * recipes — deny all, allow all, allow from a namespace, from pods in other namespaces, egress to DNS
 * only, ipBlock with except, endPort ranges, named ports, policyTypes defaulting, and both
 * directions having to agree. evaluate.test.ts checks podmap against the expected verdicts;
 * test/judges/shadow-judge.test.ts has network-config-analyzer judge the same cases.
 */
import type { Endpoint, PodEndpoint } from '../../../mapper/policy/endpoint.js'
import type { NetworkPolicy } from '../../../src/contract/shadow.js'
import type { Port } from '../../../src/contract/map.js'

export const NS_LABELS: Record<string, Record<string, string>> = {
  default: {},
  prod: { team: 'prod', project: 'myproject' },
  other: { team: 'other' },
  'kube-system': {}
}

export function pod (namespace: string, labels: Record<string, string>, ips: string[] = ['10.1.0.1'], named: Record<string, number> = {}): PodEndpoint {
  return { kind: 'pod', namespace, labels, namespaceLabels: { ...NS_LABELS[namespace], 'kubernetes.io/metadata.name': namespace }, ips, namedPorts: new Map(Object.entries(named)) }
}
export const ext = (...ips: string[]): Endpoint => ({ kind: 'address', ips })
export const tcp = (port: number): Port => ({ port, protocol: 'TCP' })
export const udp = (port: number): Port => ({ port, protocol: 'UDP' })

export function np (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec }
}

// The docs' test-network-policy: db pods in default accept from 172.17.0.0/16 except 172.17.1.0/24,
// from namespaces labelled project=myproject, from role=frontend pods, on 6379/TCP; egress to
// 10.0.0.0/24 on 5978/TCP.
export const docsExample = np('default', 'test-network-policy', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{
    from: [
      { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
      { namespaceSelector: { matchLabels: { project: 'myproject' } } },
      { podSelector: { matchLabels: { role: 'frontend' } } }
    ],
    ports: [{ protocol: 'TCP', port: 6379 }]
  }],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }]
})

export const db = pod('default', { role: 'db' }, ['10.1.0.9'])
export const frontend = pod('default', { role: 'frontend' }, ['10.1.0.2'])
export const backend = pod('default', { role: 'backend' }, ['10.1.0.3'])
const prodAny = pod('prod', { app: 'anything' }, ['10.1.1.5'])
const otherFrontend = pod('other', { role: 'frontend' }, ['10.1.2.5'])
export const web = pod('default', { app: 'web' }, ['10.1.0.20'], { http: 8080 })

export const denyAllIngress = np('default', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })
const allowAllIngress = np('default', 'allow-all-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] })
const denyAllEgress = np('default', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] })
export const allowAllEgress = np('default', 'allow-all-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] })
export const denyAll = np('default', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })
const dnsOnly = np('default', 'egress-dns-only', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]
  }]
})
const coredns = pod('kube-system', { 'k8s-app': 'kube-dns' }, ['10.1.9.9'])
const fakeDns = pod('other', { 'k8s-app': 'kube-dns' }, ['10.1.2.9'])
// allow-from-namespace recipe: web accepts from every pod of namespaces labelled team=prod.
const fromProdNs = np('default', 'web-allow-prod', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'prod' } } }] }] })
// both selectors in ONE peer (AND) vs. two peers (OR).
const andPeer = np('default', 'web-and', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'other' } }, podSelector: { matchLabels: { role: 'frontend' } } }] }] })
export const orPeers = np('default', 'web-or', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'other' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }] }] })
// all namespaces, selected pods: namespaceSelector {} + podSelector
const anyNsFrontend = np('default', 'web-any-ns-frontend', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'frontend' } } }] }] })
const endPortRange = np('default', 'egress-range', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] })
const namedPort = np('default', 'web-named-port', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] })
const udpOnlyAllPorts = np('default', 'web-udp', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ protocol: 'UDP' }] }] })
const matchExpr = np('default', 'web-expr', {
  podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] },
  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['backend'] }, { key: 'role', operator: 'Exists' }] } }] }]
})
export const egressWithoutTypes = np('default', 'implicit-egress', { podSelector: { matchLabels: { role: 'frontend' } }, egress: [{ to: [{ podSelector: { matchLabels: { role: 'db' } } }] }] })
const ipv6Block = np('default', 'v6', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:bad::/48'] } }] }] })

export interface Case { name: string, policies: NetworkPolicy[], client: Endpoint, server: Endpoint, port?: Port, allowed: boolean, denies?: Array<'ingress' | 'egress'> }

export const cases: Case[] = [
  { name: 'no policies: everything allowed', policies: [], client: frontend, server: db, port: tcp(6379), allowed: true },
  { name: 'docs example: role=frontend pod in the same namespace on 6379', policies: [docsExample], client: frontend, server: db, port: tcp(6379), allowed: true },
  { name: 'docs example: wrong port', policies: [docsExample], client: frontend, server: db, port: tcp(6380), allowed: false, denies: ['ingress'] },
  { name: 'docs example: UDP on the TCP port', policies: [docsExample], client: frontend, server: db, port: udp(6379), allowed: false, denies: ['ingress'] },
  { name: 'docs example: role=backend is not allowed', policies: [docsExample], client: backend, server: db, port: tcp(6379), allowed: false, denies: ['ingress'] },
  { name: 'docs example: any pod of a project=myproject namespace', policies: [docsExample], client: prodAny, server: db, port: tcp(6379), allowed: true },
  { name: 'docs example: role=frontend in another namespace is not the podSelector peer', policies: [docsExample], client: otherFrontend, server: db, port: tcp(6379), allowed: false, denies: ['ingress'] },
  { name: 'docs example: ipBlock allows 172.17.0.5', policies: [docsExample], client: ext('172.17.0.5'), server: db, port: tcp(6379), allowed: true },
  { name: 'docs example: ipBlock except 172.17.1.0/24', policies: [docsExample], client: ext('172.17.1.7'), server: db, port: tcp(6379), allowed: false, denies: ['ingress'] },
  { name: 'docs example: egress to 10.0.0.0/24 on 5978', policies: [docsExample], client: db, server: ext('10.0.0.7'), port: tcp(5978), allowed: true },
  { name: 'docs example: egress elsewhere is denied', policies: [docsExample], client: db, server: ext('10.0.1.7'), port: tcp(5978), allowed: false, denies: ['egress'] },
  { name: 'docs example: egress from db to a pod is denied (ipBlock does not match the pod IP)', policies: [docsExample], client: db, server: frontend, port: tcp(80), allowed: false, denies: ['egress'] },
  { name: 'docs example: pods not selected are open', policies: [docsExample], client: backend, server: frontend, port: tcp(80), allowed: true },
  { name: 'default deny ingress', policies: [denyAllIngress], client: frontend, server: db, port: tcp(6379), allowed: false, denies: ['ingress'] },
  { name: 'default deny ingress leaves egress open (to outside)', policies: [denyAllIngress], client: db, server: ext('203.0.113.1'), port: tcp(443), allowed: true },
  { name: 'default deny ingress does not affect other namespaces', policies: [denyAllIngress], client: frontend, server: prodAny, port: tcp(80), allowed: true },
  { name: 'allow all ingress overrides default deny (policies add up)', policies: [denyAllIngress, allowAllIngress], client: ext('198.51.100.1'), server: db, port: tcp(1), allowed: true },
  { name: 'default deny egress', policies: [denyAllEgress], client: frontend, server: prodAny, port: tcp(80), allowed: false, denies: ['egress'] },
  { name: 'allow all egress', policies: [denyAllEgress, allowAllEgress], client: frontend, server: ext('203.0.113.1'), port: tcp(443), allowed: true },
  { name: 'deny all: both directions inside the namespace', policies: [denyAll], client: frontend, server: db, port: tcp(6379), allowed: false, denies: ['egress', 'ingress'] },
  { name: 'egress DNS only: UDP 53 to kube-dns in kube-system', policies: [dnsOnly], client: frontend, server: coredns, port: udp(53), allowed: true },
  { name: 'egress DNS only: TCP 53 too', policies: [dnsOnly], client: frontend, server: coredns, port: tcp(53), allowed: true },
  { name: 'egress DNS only: a k8s-app=kube-dns pod elsewhere is not kube-system', policies: [dnsOnly], client: frontend, server: fakeDns, port: udp(53), allowed: false, denies: ['egress'] },
  { name: 'egress DNS only: anything else is denied', policies: [dnsOnly], client: frontend, server: ext('203.0.113.1'), port: tcp(443), allowed: false, denies: ['egress'] },
  { name: 'allow from namespace: any pod of team=prod', policies: [fromProdNs], client: prodAny, server: web, port: tcp(8080), allowed: true },
  { name: 'allow from namespace: same-namespace pods are not included', policies: [fromProdNs], client: frontend, server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'namespace AND pod in one peer: both match', policies: [andPeer], client: otherFrontend, server: web, port: tcp(8080), allowed: true },
  { name: 'namespace AND pod in one peer: frontend of the own namespace does not', policies: [andPeer], client: frontend, server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'namespace AND pod in one peer: other pod of that namespace does not', policies: [andPeer], client: pod('other', { role: 'worker' }), server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'namespace OR pod in two peers: own-namespace frontend', policies: [orPeers], client: frontend, server: web, port: tcp(8080), allowed: true },
  { name: 'namespace OR pod in two peers: any pod of the other namespace', policies: [orPeers], client: pod('other', { role: 'worker' }), server: web, port: tcp(8080), allowed: true },
  { name: 'namespaceSelector {} selects every namespace', policies: [anyNsFrontend], client: otherFrontend, server: web, port: tcp(8080), allowed: true },
  { name: 'namespaceSelector {}: still only the selected pods', policies: [anyNsFrontend], client: prodAny, server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'namespaceSelector {} does not match external addresses', policies: [anyNsFrontend], client: ext('10.1.2.5'), server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'endPort: start of the range', policies: [endPortRange], client: db, server: ext('10.0.0.1'), port: tcp(32000), allowed: true },
  { name: 'endPort: end of the range', policies: [endPortRange], client: db, server: ext('10.0.0.1'), port: tcp(32768), allowed: true },
  { name: 'endPort: past the range', policies: [endPortRange], client: db, server: ext('10.0.0.1'), port: tcp(32769), allowed: false, denies: ['egress'] },
  { name: 'endPort: below the range', policies: [endPortRange], client: db, server: ext('10.0.0.1'), port: tcp(31999), allowed: false, denies: ['egress'] },
  { name: 'named port resolves on the server pod', policies: [namedPort], client: frontend, server: web, port: tcp(8080), allowed: true },
  { name: 'named port: another port is denied', policies: [namedPort], client: frontend, server: web, port: tcp(8081), allowed: false, denies: ['ingress'] },
  { name: 'protocol defaults to TCP: the named port over UDP is denied', policies: [namedPort], client: frontend, server: web, port: udp(8080), allowed: false, denies: ['ingress'] },
  { name: 'protocol without port: every UDP port', policies: [udpOnlyAllPorts], client: frontend, server: web, port: udp(5353), allowed: true },
  { name: 'protocol without port: TCP denied', policies: [udpOnlyAllPorts], client: frontend, server: web, port: tcp(5353), allowed: false, denies: ['ingress'] },
  { name: 'matchExpressions In/NotIn/Exists: frontend allowed', policies: [matchExpr], client: frontend, server: web, port: tcp(8080), allowed: true },
  { name: 'matchExpressions: NotIn backend', policies: [matchExpr], client: backend, server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'matchExpressions: Exists requires the key', policies: [matchExpr], client: pod('default', { app: 'x' }), server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'policyTypes defaulted from egress rules: frontend may reach db', policies: [egressWithoutTypes], client: frontend, server: db, port: tcp(6379), allowed: true },
  { name: 'policyTypes defaulted from egress rules: frontend egress elsewhere denied', policies: [egressWithoutTypes], client: frontend, server: web, port: tcp(8080), allowed: false, denies: ['egress'] },
  { name: 'policyTypes defaulted to Ingress too: frontend ingress denied', policies: [egressWithoutTypes], client: backend, server: frontend, port: tcp(80), allowed: false, denies: ['ingress'] },
  { name: 'both directions must allow: egress allowed, ingress denied', policies: [allowAllEgress, denyAllIngress], client: frontend, server: db, port: tcp(6379), allowed: false, denies: ['ingress'] },
  { name: 'both directions must allow: ingress allowed, egress denied', policies: [docsExample, denyAllEgress], client: frontend, server: db, port: tcp(6379), allowed: false, denies: ['egress'] },
  { name: 'a node client is matched by ipBlock only', policies: [docsExample], client: ext('172.17.0.1'), server: db, port: tcp(6379), allowed: true },
  { name: 'IPv6 ipBlock with except: inside', policies: [ipv6Block], client: ext('2001:db8:1::5'), server: web, port: tcp(8080), allowed: true },
  { name: 'IPv6 ipBlock with except: in the hole', policies: [ipv6Block], client: ext('2001:db8:bad::5'), server: web, port: tcp(8080), allowed: false, denies: ['ingress'] },
  { name: 'IPv4-mapped address counts as IPv4', policies: [docsExample], client: ext('::ffff:172.17.0.5'), server: db, port: tcp(6379), allowed: true },
  { name: 'no port known: peers alone decide', policies: [docsExample], client: frontend, server: db, allowed: true }
]

