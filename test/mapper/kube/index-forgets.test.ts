/**
 * The index forgets (issue #12): pods created and deleted leave nothing behind once the grace window
 * has passed — no IP histories, no memo entries, no namespace or hostname index entries — while a
 * late report inside the window still resolves to the pod that held the address. And per-key
 * invalidation: one pod event does not flush the answers for the rest of the cluster.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClusterIndex } from '../../../mapper/kube/cluster-index.js'
import { shopIndex, T0, IP } from '../fixtures.js'

const T = Date.parse('2026-11-26T12:00:00Z')
const pod = (i: number, at: number) => ({
  kind: 'Pod',
  metadata: { name: `churn-${i}`, namespace: `ns-${i % 7}`, uid: `uid-${i}`, creationTimestamp: new Date(at).toISOString(), ownerReferences: [{ kind: 'ReplicaSet', name: `rs-${i % 13}`, uid: `rs-${i % 13}`, controller: true }] },
  spec: { hostname: `h-${i}`, subdomain: 'sub', containers: [{}] },
  status: { phase: 'Running', podIP: `10.9.${(i >> 8) & 255}.${i & 255}`, startTime: new Date(at).toISOString() }
})

test('10,000 pods created and deleted leave nothing behind after the grace window; late reports resolve within it', () => {
  const index = new ClusterIndex()
  for (let i = 0; i < 10_000; i++) {
    const at = T + i * 100
    index.upsert('Pod', pod(i, at), at)
    index.workloads.workloadOf(index.pods.get(`uid-${i}`)!)
    index.remove('Pod', pod(i, at), at + 50)
  }
  const before = index.sizes
  assert.equal(before.pods, 0)
  assert.equal(before.workloadMemos, 0, 'deleted pods keep no memo')
  assert.equal(before.namespaces, 0)
  assert.equal(before.hostnames, 0)
  assert.ok(before.ipHistories > 0, 'addresses are remembered for late reports')
  // A report about the time pod 42 held its address, arriving late, still names it.
  assert.equal(index.podAt('10.9.0.42', T + 42 * 100 + 10)?.name, 'churn-42')
  // Once the grace window has passed, the addresses go.
  const forgotten = index.forget(T + 10_000 * 100 + 1)
  assert.ok(forgotten.tenancies >= 256, `${forgotten.tenancies} tenancies forgotten`)
  assert.equal(index.sizes.ipHistories, 0)
  assert.equal(index.workloads.size.pods, 0)
  assert.equal(index.workloads.size.owners, 0)
})

test('per-key invalidation: an unrelated pod event keeps the Service and workload answers of the rest', () => {
  const index = shopIndex()
  const svc = index.service('shop', 'orders')!
  const checkout = index.podAt(IP.checkout, T0)!
  index.workloads.serviceWorkload(svc)
  index.workloads.workloadOf(checkout)
  const misses = { ...index.workloads.stats }
  // 1,000 events about pods elsewhere.
  for (let i = 0; i < 1000; i++) index.upsert('Pod', pod(i, T0), T0)
  index.workloads.serviceWorkload(svc)
  index.workloads.workloadOf(checkout)
  assert.equal(index.workloads.stats.serviceMisses, misses.serviceMisses, 'the Service answer was kept')
  assert.equal(index.workloads.stats.workloadMisses, misses.workloadMisses, 'the workload answer was kept')
  // An event about the orders pods' EndpointSlice does invalidate the Service answer.
  const slice = { kind: 'EndpointSlice', metadata: { name: 'orders-abcde', namespace: 'shop', uid: 'EndpointSlice-shop-orders-abcde', labels: { 'kubernetes.io/service-name': 'orders' } }, endpoints: [] }
  index.upsert('EndpointSlice', slice, T0)
  index.workloads.serviceWorkload(svc)
  assert.equal(index.workloads.stats.serviceMisses, misses.serviceMisses + 1)
  // And an owner event invalidates exactly the pods that walked through it.
  const owners = index.workloads.stats.workloadMisses
  index.upsert('ReplicaSet', { kind: 'ReplicaSet', metadata: { name: 'rs-unrelated', namespace: 'shop', uid: 'x' } }, T0)
  index.workloads.workloadOf(checkout)
  assert.equal(index.workloads.stats.workloadMisses, owners, 'an unrelated owner keeps checkout\'s answer')
})
