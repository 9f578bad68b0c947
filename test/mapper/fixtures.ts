/** A small cluster, as informer objects, for resolver and API tests. */
import { ClusterIndex } from '../../mapper/kube/cluster-index.js'

export const T0 = Date.parse('2026-11-26T12:00:00.000Z')

export const IP = {
  checkout: '10.1.0.10',
  orders: '10.1.0.11',
  ordersSvc: '10.96.0.20',
  job: '10.1.0.12',
  ledger0: '10.1.0.13',
  node: '192.168.50.2',
  hostNetPod: '192.168.50.2',
  partner: '198.51.100.7'
}

const meta = (kind: string, namespace: string, name: string, extra: Record<string, unknown> = {}) =>
  ({ kind, metadata: { name, namespace, uid: `${kind}-${namespace}-${name}`, creationTimestamp: new Date(T0 - 3_600_000).toISOString(), ...extra } })

const owner = (kind: string, namespace: string, name: string) => [{ kind, name, uid: `${kind}-${namespace}-${name}`, controller: true }]

export function shopObjects (): Array<[string, Record<string, unknown>]> {
  return [
    ['Node', { kind: 'Node', metadata: { name: 'node-a', uid: 'node-a' }, status: { addresses: [{ type: 'InternalIP', address: IP.node }] } }],
    ['Deployment', meta('Deployment', 'shop', 'checkout')],
    ['ReplicaSet', { ...meta('ReplicaSet', 'shop', 'checkout-7d9f8c6b5d', { ownerReferences: owner('Deployment', 'shop', 'checkout') }) }],
    ['Pod', {
      ...meta('Pod', 'shop', 'checkout-7d9f8c6b5d-x2k4p', { labels: { app: 'checkout', 'pod-template-hash': '7d9f8c6b5d' }, ownerReferences: owner('ReplicaSet', 'shop', 'checkout-7d9f8c6b5d') }),
      spec: { nodeName: 'node-a', containers: [{}] },
      status: { phase: 'Running', podIP: IP.checkout }
    }],
    ['Deployment', meta('Deployment', 'shop', 'orders')],
    ['ReplicaSet', meta('ReplicaSet', 'shop', 'orders-5f6d7c8b9a', { ownerReferences: owner('Deployment', 'shop', 'orders') })],
    ['Pod', {
      ...meta('Pod', 'shop', 'orders-5f6d7c8b9a-abcde', { labels: { app: 'orders', 'pod-template-hash': '5f6d7c8b9a' }, ownerReferences: owner('ReplicaSet', 'shop', 'orders-5f6d7c8b9a') }),
      spec: { nodeName: 'node-a', containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP: IP.orders }
    }],
    ['Service', { ...meta('Service', 'shop', 'orders'), spec: { clusterIP: IP.ordersSvc, selector: { app: 'orders' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] } }],
    ['CronJob', meta('CronJob', 'batch', 'nightly')],
    ['Job', meta('Job', 'batch', 'nightly-28000000', { ownerReferences: owner('CronJob', 'batch', 'nightly') })],
    ['Pod', {
      ...meta('Pod', 'batch', 'nightly-28000000-q7w8e', { labels: { 'job-name': 'nightly-28000000' }, ownerReferences: owner('Job', 'batch', 'nightly-28000000') }),
      spec: { nodeName: 'node-a', containers: [{}] },
      status: { phase: 'Running', podIP: IP.job }
    }],
    ['StatefulSet', meta('StatefulSet', 'db', 'ledger')],
    ['Pod', {
      ...meta('Pod', 'db', 'ledger-0', { labels: { app: 'ledger', 'controller-revision-hash': 'ledger-6c5b' }, ownerReferences: owner('StatefulSet', 'db', 'ledger') }),
      spec: { nodeName: 'node-a', hostname: 'ledger-0', subdomain: 'ledger', containers: [{ ports: [{ containerPort: 5432 }] }] },
      status: { phase: 'Running', podIP: IP.ledger0 }
    }],
    ['Service', { ...meta('Service', 'db', 'ledger'), spec: { clusterIP: 'None', selector: { app: 'ledger' }, ports: [{ port: 5432, targetPort: 5432 }] } }],
    ['EndpointSlice', {
      ...meta('EndpointSlice', 'db', 'ledger-abcde', { labels: { 'kubernetes.io/service-name': 'ledger' } }),
      endpoints: [{ addresses: [IP.ledger0], targetRef: { kind: 'Pod', name: 'ledger-0', namespace: 'db', uid: 'Pod-db-ledger-0' } }],
      ports: [{ port: 5432 }]
    }]
  ]
}

export function shopIndex (at = T0 - 3_000_000): ClusterIndex {
  const index = new ClusterIndex()
  for (const [kind, obj] of shopObjects()) index.upsert(kind, obj, at)
  return index
}
