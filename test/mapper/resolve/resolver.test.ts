import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Resolver, type UnresolvedReason } from '../../../mapper/resolve/resolver.js'
import { EdgeStore } from '../../../mapper/store/edge-store.js'
import type { Call } from '../../../mapper/store/call.js'
import { shopIndex, IP, T0 } from '../fixtures.js'

function setup (excludeNamespaces: string[] = []) {
  const unresolved: Record<string, number> = {}
  const index = shopIndex()
  const resolver = new Resolver(index, {
    clusterDomain: 'cluster.local',
    excludeNamespaces,
    onUnresolved: (reason: UnresolvedReason, n: number) => { unresolved[reason] = (unresolved[reason] ?? 0) + n }
  })
  return { index, resolver, unresolved }
}

const dns = (client: string, name: string, answers: string[]) => ({ client, name, answers, ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 })
const sock = (client: string, server: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({ client, server, port, protocol, firstSeen: T0, lastSeen: T0, count: 1 })

test('a Service name resolves to the Deployment behind it, through ReplicaSet ownership', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.dns(dns(IP.checkout, 'orders.shop.svc.cluster.local', [IP.ordersSvc]), out)
  assert.deepEqual(out.map((c) => [c.client, c.server, c.evidence]), [[
    { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
    'dns'
  ]])
})

test('a session to a ClusterIP gets the target port, resolving a named targetPort through the pod', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.socket(sock(IP.checkout, IP.ordersSvc, 80), out)
  assert.equal(out.length, 1)
  assert.deepEqual(out[0]?.server, { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' })
  assert.deepEqual(out[0]?.port, { port: 8080, protocol: 'TCP' })
})

test('the server side of the same session (pod IP, target port) merges into the same edge', () => {
  const { resolver } = setup()
  const out: Call[] = []
  const store = new EdgeStore()
  resolver.dns(dns(IP.checkout, 'orders.shop.svc.cluster.local', [IP.ordersSvc]), out)
  resolver.socket(sock(IP.checkout, IP.ordersSvc, 80), out)
  resolver.socket(sock(IP.checkout, IP.orders, 8080), out)
  for (const c of out) store.add(c, 0)
  const edges = store.list()
  assert.equal(edges.length, 1)
  assert.deepEqual(edges[0]?.evidence, ['dns', 'tcp'])
  assert.deepEqual(edges[0]?.ports, [{ port: 8080, protocol: 'TCP' }])
  assert.equal(edges[0]?.server.service, 'orders')
})

test('a CronJob pod calling a StatefulSet through a headless Service and a pod hostname', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.dns(dns(IP.job, 'ledger.db.svc.cluster.local', [IP.ledger0]), out)
  resolver.dns(dns(IP.job, 'ledger-0.ledger.db.svc.cluster.local', [IP.ledger0]), out)
  resolver.socket(sock(IP.job, IP.ledger0, 5432), out)
  for (const c of out) {
    assert.deepEqual(c.client, { kind: 'CronJob', namespace: 'batch', name: 'nightly' })
    assert.equal(c.server.kind, 'StatefulSet')
    assert.equal(c.server.name, 'ledger')
  }
  assert.equal(out.length, 3)
})

test('external names are kept, and a later session to an answered IP is named by the FQDN', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.dns(dns(IP.checkout, 'api.partner.example', [IP.partner]), out)
  resolver.socket(sock(IP.checkout, IP.partner, 443), out)
  assert.deepEqual(out.map((c) => c.server), [{ kind: 'External', name: 'api.partner.example' }, { kind: 'External', name: 'api.partner.example' }])
  assert.deepEqual(out[1]?.port, { port: 443, protocol: 'TCP' })
})

test('short names from a search list and pod DNS names resolve', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.dns(dns(IP.checkout, 'orders.shop', [IP.ordersSvc]), out)
  resolver.dns(dns(IP.checkout, 'orders.shop.svc', [IP.ordersSvc]), out)
  resolver.dns(dns(IP.checkout, '10-1-0-11.shop.pod.cluster.local', [IP.orders]), out)
  assert.deepEqual(out.map((c) => c.server.name), ['orders', 'orders', 'orders'])
})

test('unknown endpoints and cluster names are counted by reason, never silently dropped', () => {
  const { resolver, unresolved } = setup(['db'])
  const out: Call[] = []
  resolver.socket(sock('203.0.113.1', '203.0.113.2', 443), out)
  resolver.dns(dns(IP.checkout, 'nope.shop.svc.cluster.local', ['10.96.9.9']), out)
  resolver.dns(dns('203.0.113.1', 'orders.shop.svc.cluster.local', [IP.ordersSvc]), out)
  resolver.socket(sock(IP.job, IP.ledger0, 5432), out)
  assert.equal(out.length, 0)
  assert.deepEqual(unresolved, { 'unknown-endpoints': 1, 'unknown-cluster-name': 1, 'unknown-client': 1, 'excluded-namespace': 1 })
})

test('a node address is a Node client; an unknown client calling into the cluster is External', () => {
  const { resolver } = setup()
  const out: Call[] = []
  resolver.socket(sock(IP.node, IP.orders, 8080), out)
  resolver.socket(sock('203.0.113.9', IP.orders, 8080), out)
  assert.deepEqual(out.map((c) => c.client), [{ kind: 'Node', name: 'node-a' }, { kind: 'External', name: '203.0.113.9' }])
})
