/**
 * Wrong edges a real cluster showed (issue #11), resolved right: the server's side of another
 * node's call (report version 3 `side`), probes from a node's podCIDR gateway, and the cluster DNS
 * server's own upstream lookups. test/e2e/wrong-edges.test.ts makes each for real.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Resolver, type UnresolvedReason } from '../../../mapper/resolve/resolver.js'
import type { Call } from '../../../mapper/store/call.js'
import type { SocketRecord } from '../../../src/contract/report.js'
import { podCidrGateway } from '../../../mapper/kube/pod-cidr-gateway.js'
import { shopIndex, IP, T0 } from '../fixtures.js'

const NODE_B = '192.168.50.3'
const COREDNS = '10.2.0.53'

function setup () {
  const index = shopIndex()
  const up = (kind: string, o: Record<string, unknown>): void => { index.upsert(kind, o as never, T0 - 3_000_000) }
  up('Node', { kind: 'Node', metadata: { name: 'node-b', uid: 'node-b' }, spec: { podCIDR: '10.2.0.0/24', podCIDRs: ['10.2.0.0/24', 'fd00:2::/64'] }, status: { addresses: [{ type: 'InternalIP', address: NODE_B }] } })
  up('Deployment', { kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', uid: 'dep-coredns' } })
  up('ReplicaSet', { kind: 'ReplicaSet', metadata: { name: 'coredns-5d78c9869d', namespace: 'kube-system', uid: 'rs-coredns', ownerReferences: [{ kind: 'Deployment', name: 'coredns', uid: 'dep-coredns', controller: true }] } })
  up('Pod', {
    kind: 'Pod',
    metadata: { name: 'coredns-5d78c9869d-abcde', namespace: 'kube-system', uid: 'pod-coredns', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'coredns-5d78c9869d', uid: 'rs-coredns', controller: true }], creationTimestamp: new Date(T0 - 3_000_000).toISOString() },
    spec: { nodeName: 'node-b', containers: [{}] },
    status: { phase: 'Running', podIP: COREDNS, podIPs: [{ ip: COREDNS }] }
  })
  up('Service', { kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', uid: 'svc-kube-dns' }, spec: { clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, targetPort: 53, protocol: 'UDP' }] } })
  const unresolved: Array<[UnresolvedReason, number]> = []
  const resolver = new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: (r, n) => unresolved.push([r, n]) })
  return { resolver, unresolved }
}

const sock = (client: string, server: string, port: number, side?: 'client' | 'server') =>
  ({ client, server, port, protocol: 'TCP' as const, firstSeen: T0, lastSeen: T0, count: 1, ...(side ? { side } : {}) })

test('the server\'s side of a call from another node\'s address is left to that node\'s sniffer, once it reports', () => {
  const { resolver, unresolved } = setup()
  const out: Call[] = []
  const early: SocketRecord[] = []
  // node-b's sniffer: only the CoreDNS pod's end of a call from node-a's address (a hostNetwork pod there).
  resolver.socket(sock(IP.node, COREDNS, 8080, 'server'), out, 'node-b', early)
  assert.equal(out.length, 0, 'node-a not heard from yet: waited for')
  assert.equal(early.length, 1)
  resolver.socket(sock(IP.node, COREDNS, 8080, 'server'), out, 'node-b')
  assert.deepEqual(out.map((c) => c.client), [{ kind: 'Node', name: 'node-a' }], 'the last try, node-a still silent: the server\'s side is all there is')
  out.length = 0
  resolver.socket(sock(IP.checkout, IP.orders, 8080, 'client'), out, 'node-a') // node-a's sniffer reports
  out.length = 0
  resolver.socket(sock(IP.node, COREDNS, 8080, 'server'), out, 'node-b')
  assert.equal(out.length, 0, 'node-a reports: its sniffer names the client')
  assert.deepEqual(unresolved, [['client-node-reports', 1]])
  // Without `side` (older reports, or both ends on one node) nothing changes.
  resolver.socket(sock(IP.node, COREDNS, 8080), out, 'node-b')
  assert.deepEqual(out.map((c) => c.client), [{ kind: 'Node', name: 'node-a' }])
})

test('a probe from a node\'s podCIDR gateway is the Node, not External', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.socket(sock('10.2.0.1', COREDNS, 8080), out, 'node-b')
  resolver.socket(sock('fd00:2::1', COREDNS, 8080), out, 'node-b')
  assert.deepEqual(out.map((c) => c.client), [{ kind: 'Node', name: 'node-b' }, { kind: 'Node', name: 'node-b' }])
  assert.equal(podCidrGateway('10.244.3.0/24'), '10.244.3.1')
  assert.equal(podCidrGateway('fd70:6f64:1::2:0:0/96'), 'fd70:6f64:1::2:0:1')
  assert.equal(podCidrGateway('10.0.0.0/31'), undefined)
  assert.equal(podCidrGateway('not/a-cidr'), undefined)
})

test('the cluster DNS server\'s upstream lookups are not its calls; its clients\' lookups still are', () => {
  const { resolver, unresolved } = setup()
  const out: Call[] = []
  const answer = (client: string) => ({ client, name: 'api.partner.example', answers: [IP.partner], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 })
  resolver.dns(answer(COREDNS), out, 'node-b')
  assert.equal(out.length, 0)
  assert.deepEqual(unresolved, [['resolver-lookup', 1]])
  resolver.dns(answer(IP.checkout), out, 'node-a')
  assert.deepEqual(out.map((c) => `${c.client.name} -> ${c.server.name}`), ['checkout -> api.partner.example'])
})
