/** podmap.io/workload-name names a workload in a space of its own (kind Workload), never another's identity. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { walkOwners, type OwnerInfo } from '../../../mapper/kube/workload.js'
import type { Edge } from '../../../src/contract/map.js'
import { toClientIntents } from '../../../mapper/export/intents.js'
import { DEFAULT_CLUSTER_DNS } from '../../../mapper/export/lookup.js'

const owners: Record<string, OwnerInfo> = {
  'ReplicaSet/shop/imposter-abc': { ownerReferences: [{ kind: 'Deployment', name: 'imposter', uid: 'd', controller: true }] },
  'Deployment/shop/imposter': { annotations: { 'podmap.io/workload-name': 'checkout' } },
  'ReplicaSet/shop/checkout-abc': { ownerReferences: [{ kind: 'Deployment', name: 'checkout', uid: 'c', controller: true }] },
  'Deployment/shop/checkout': {}
}
const lookup = (kind: string, ns: string, name: string): OwnerInfo | undefined => owners[`${kind}/${ns}/${name}`]
const pod = (rs: string | undefined, annotations?: Record<string, string>) =>
  ({ namespace: 'shop', name: `${rs ?? 'bare'}-x`, annotations, ownerReferences: rs ? [{ kind: 'ReplicaSet', name: rs, uid: rs, controller: true }] : undefined })

test('the annotation (on the pod or an owner) names a Workload; the owner walk alone names the Deployment; bad values are ignored', () => {
  assert.deepEqual(walkOwners(pod('checkout-abc'), lookup), { kind: 'Deployment', namespace: 'shop', name: 'checkout', complete: true })
  assert.deepEqual(walkOwners(pod('imposter-abc'), lookup), { kind: 'Workload', namespace: 'shop', name: 'checkout', complete: true }, 'via its Deployment')
  assert.deepEqual(walkOwners(pod('checkout-abc', { 'podmap.io/workload-name': 'checkout' }), lookup), { kind: 'Workload', namespace: 'shop', name: 'checkout', complete: true }, 'even a pod of checkout annotated checkout joins the Workload, not the Deployment')
  assert.deepEqual(walkOwners(pod(undefined, { 'podmap.io/workload-name': 'checkout' }), lookup), { kind: 'Workload', namespace: 'shop', name: 'checkout', complete: true })
  for (const bad of ['', 'Checkout', 'a b', 'x\u001b[2J', '-x', 'a'.repeat(254), '../x']) {
    assert.deepEqual(walkOwners(pod('checkout-abc', { 'podmap.io/workload-name': bad }), lookup), { kind: 'Deployment', namespace: 'shop', name: 'checkout', complete: true }, JSON.stringify(bad))
  }
})

test('ClientIntents: a Deployment and a Workload of one name get distinct objects, the Deployment keeping the plain name', () => {
  const at = '2026-11-26T12:00:00.000Z'
  const edge = (kind: string): Edge => ({ client: { kind, namespace: 'shop', name: 'checkout' }, server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }, ports: [], evidence: ['tcp'], firstSeen: at, lastSeen: at })
  const intents = toClientIntents([edge('Workload'), edge('Deployment')], { podLabels: () => undefined, clusterDns: () => DEFAULT_CLUSTER_DNS, nodeAddresses: () => [], hostNetworkAddresses: () => undefined, neighbours: () => ({ own: [], others: [] }) })
  assert.deepEqual(intents.map((i) => [i.metadata.name, (i.spec as { workload: { kind: string } }).workload.kind]), [['checkout', 'Deployment'], ['checkout-2', 'Workload']])
})
