/** Identity at the moment of each call: pod IP reuse in both orders, late owners, no blind window. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClusterIndex } from '../../../mapper/kube/cluster-index.js'
import { Resolver } from '../../../mapper/resolve/resolver.js'
import { EdgeStore } from '../../../mapper/store/edge-store.js'
import type { Call } from '../../../mapper/store/call.js'
import type { Identity } from '../../../src/contract/map.js'

const T = Date.parse('2026-11-26T12:00:00Z')
const IP = '10.1.0.50'
const SERVER = '10.1.0.60'

const pod = (name: string, uid: string, owner: string, created: number, ip?: string, labels: Record<string, string> = {}) => ({
  kind: 'Pod',
  metadata: { name, namespace: 'shop', uid, labels, creationTimestamp: new Date(created).toISOString(), ownerReferences: [{ kind: 'ReplicaSet', name: owner, uid: `rs-${owner}`, controller: true }] },
  spec: { containers: [{}] },
  status: ip ? { phase: 'Running', podIP: ip, startTime: new Date(created).toISOString() } : { phase: 'Pending' }
})
const rs = (name: string, deployment: string) => ({ kind: 'ReplicaSet', metadata: { name, namespace: 'shop', uid: `rs-${name}`, ownerReferences: [{ kind: 'Deployment', name: deployment, uid: `d-${deployment}`, controller: true }] } })

function setup () {
  const index = new ClusterIndex()
  const renames: Array<[Identity, Identity]> = []
  const resolver = new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: () => {}, onRekey: (a, b) => renames.push([a, b]) })
  index.upsert('ReplicaSet', rs('old-aaaa', 'old'), T - 100_000)
  index.upsert('ReplicaSet', rs('new-bbbb', 'new'), T - 100_000)
  index.upsert('Pod', { ...pod('server-0', 'srv', 'none', T - 100_000, SERVER), metadata: { name: 'server-0', namespace: 'shop', uid: 'srv' } }, T - 100_000)
  return { index, resolver, renames }
}

const clientAt = (resolver: Resolver, at: number): string | undefined => {
  const out: Call[] = []
  resolver.socket({ client: IP, server: SERVER, port: 80, protocol: 'TCP', firstSeen: at, lastSeen: at, count: 1 }, out)
  return out[0]?.client.name
}

test('IP reuse, report arriving late: a call made before the old pod was deleted belongs to the old pod', () => {
  const { index, resolver } = setup()
  index.upsert('Pod', pod('old-aaaa-1', 'old-1', 'old-aaaa', T - 60_000, IP), T - 60_000)
  index.remove('Pod', pod('old-aaaa-1', 'old-1', 'old-aaaa', T - 60_000, IP), T)
  index.upsert('Pod', pod('new-bbbb-1', 'new-1', 'new-bbbb', T + 5_000), T + 5_000)
  index.upsert('Pod', pod('new-bbbb-1', 'new-1', 'new-bbbb', T + 5_000, IP), T + 10_000)
  // The report about T - 1 s only arrives now, after the new pod holds the IP.
  assert.equal(clientAt(resolver, T - 1_000), 'old')
  assert.equal(clientAt(resolver, T + 20_000), 'new')
})

test('IP reuse, new pod seen first: the old pod\'s delete event arrives after the new pod took the IP', () => {
  const { index, resolver } = setup()
  index.upsert('Pod', pod('old-aaaa-1', 'old-1', 'old-aaaa', T - 60_000, IP), T - 60_000)
  index.upsert('Pod', pod('new-bbbb-1', 'new-1', 'new-bbbb', T), T)
  index.upsert('Pod', pod('new-bbbb-1', 'new-1', 'new-bbbb', T, IP), T + 1_000)
  index.remove('Pod', pod('old-aaaa-1', 'old-1', 'old-aaaa', T - 60_000, IP), T + 3_000)
  assert.equal(clientAt(resolver, T - 30_000), 'old')
  assert.equal(clientAt(resolver, T + 2_000), 'new', 'the newest holder wins where the two overlap')
  assert.equal(clientAt(resolver, T + 60_000), 'new')
})

test('no blind window: a pod a second old is resolved', () => {
  const { index, resolver } = setup()
  index.upsert('Pod', pod('new-bbbb-2', 'new-2', 'new-bbbb', T, IP), T)
  assert.equal(clientAt(resolver, T + 1_000), 'new')
})

test('a late owner fixes identities already in the map', () => {
  const { index, resolver, renames } = setup()
  const store = new EdgeStore()
  // A Job's pod, before the Job (and its CronJob) reach the caches.
  index.upsert('Pod', {
    kind: 'Pod',
    metadata: { name: 'nightly-1-x', namespace: 'shop', uid: 'job-pod', creationTimestamp: new Date(T).toISOString(), ownerReferences: [{ kind: 'Job', name: 'nightly-1', uid: 'job-1', controller: true }] },
    status: { phase: 'Running', podIP: IP }
  } as Parameters<ClusterIndex['upsert']>[1], T)
  const out: Call[] = []
  resolver.socket({ client: IP, server: SERVER, port: 80, protocol: 'TCP', firstSeen: T, lastSeen: T, count: 1 }, out)
  for (const c of out) store.add(c, 0)
  assert.deepEqual(store.list().map((e) => e.client), [{ kind: 'Job', namespace: 'shop', name: 'nightly-1' }])
  index.upsert('Job', { kind: 'Job', metadata: { name: 'nightly-1', namespace: 'shop', uid: 'job-1', ownerReferences: [{ kind: 'CronJob', name: 'nightly', uid: 'cj', controller: true }] } }, T + 1)
  assert.equal(resolver.reconcile(), 1)
  for (const [from, to] of renames) store.rekey(from, to, 0)
  assert.deepEqual(store.list().map((e) => e.client), [{ kind: 'CronJob', namespace: 'shop', name: 'nightly' }])
  assert.equal(resolver.provisionalCount, 0)
})

test('a ReplicaSet not yet seen is inferred from pod-template-hash, so the Deployment is right at once', () => {
  const index = new ClusterIndex()
  const resolver = new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: () => {} })
  index.upsert('Pod', pod('web-5d8f7c9b6-abcde', 'w1', 'web-5d8f7c9b6', T, IP, { 'pod-template-hash': '5d8f7c9b6' }), T)
  index.upsert('Pod', { ...pod('server-0', 'srv', 'none', T, SERVER), metadata: { name: 'server-0', namespace: 'shop', uid: 'srv' } }, T)
  const out: Call[] = []
  resolver.socket({ client: IP, server: SERVER, port: 80, protocol: 'TCP', firstSeen: T, lastSeen: T, count: 1 }, out)
  assert.deepEqual(out[0]?.client, { kind: 'Deployment', namespace: 'shop', name: 'web' })
  assert.equal(resolver.provisionalCount, 0)
})
