/**
 * The informers keep objects slim (slim-object.ts): a pod as the API server sends it (managedFields,
 * conditions, container statuses, env, volumes) loses most of its bytes, and the cluster index built
 * from the slim objects is the same as from the whole ones, kind by kind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { slimObject } from '../../../mapper/kube/slim-object.js'
import { ClusterIndex } from '../../../mapper/kube/cluster-index.js'
import { WORKLOAD_NAME_ANNOTATION } from '../../../mapper/kube/workload.js'

const T = '2026-12-01T10:00:00Z'
const managedFields = [
  { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: T, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"rs-1"}': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:ports': {} } } } } },
  { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: T, fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {}, 'f:startTime': {} } } }
]

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'orders-5f6d7c8b9a-abcde', generateName: 'orders-5f6d7c8b9a-', namespace: 'shop', uid: 'pod-1', resourceVersion: '4711', creationTimestamp: T,
    labels: { app: 'orders', 'pod-template-hash': '5f6d7c8b9a' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': T, 'prometheus.io/scrape': 'true', [WORKLOAD_NAME_ANNOTATION]: 'orders-api' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'orders-5f6d7c8b9a', uid: 'rs-1', controller: true, blockOwnerDeletion: true }],
    managedFields
  },
  spec: {
    nodeName: 'node-a', serviceAccountName: 'orders', restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler',
    containers: [
      { name: 'app', image: 'registry.invalid/shop/orders:1.42.0', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        env: Array.from({ length: 12 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}-${'x'.repeat(20)}` })),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 } },
      { name: 'sidecar', image: 'registry.invalid/proxy:2', args: ['--listen', ':15001'] }
    ],
    volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]
  },
  status: {
    phase: 'Running', hostIP: '10.0.0.1', podIP: '10.1.0.11', podIPs: [{ ip: '10.1.0.11' }, { ip: 'fd00:1::11' }], startTime: T, qosClass: 'Burstable',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: T })),
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'registry.invalid/shop/orders:1.42.0', imageID: `registry.invalid/shop/orders@sha256:${'a'.repeat(64)}`, containerID: `containerd://${'b'.repeat(64)}`, started: true, state: { running: { startedAt: T } } }]
  }
}

const objects: Array<[string, Record<string, unknown>]> = [
  ['Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', uid: 'n-a', resourceVersion: '1', labels: { 'kubernetes.io/hostname': 'node-a' }, managedFields }, spec: { podCIDR: '10.1.0.0/24', podCIDRs: ['10.1.0.0/24', 'fd00:1::/64'], providerID: 'x://node-a' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'node-a' }], capacity: { cpu: '8' }, images: [{ names: ['a', 'b'], sizeBytes: 1 }], nodeInfo: { kubeletVersion: 'v1.35.0' } } }],
  ['Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop', uid: 'd-1', resourceVersion: '2', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"' + 'y'.repeat(2000) + '"}' }, managedFields }, spec: { replicas: 3, template: pod.spec } }],
  ['ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orders-5f6d7c8b9a', namespace: 'shop', uid: 'rs-1', resourceVersion: '3', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders', uid: 'd-1', controller: true, blockOwnerDeletion: true }], managedFields }, spec: { template: pod.spec } }],
  ['Pod', pod],
  ['Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'shop', uid: 's-1', resourceVersion: '5', managedFields }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], externalIPs: ['203.0.113.9'], selector: { app: 'orders' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }], sessionAffinity: 'None', ipFamilies: ['IPv4'] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] } } }],
  ['EndpointSlice', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { name: 'orders-x1', namespace: 'shop', uid: 'es-1', resourceVersion: '6', labels: { 'kubernetes.io/service-name': 'orders' }, managedFields }, endpoints: [{ addresses: ['10.1.0.11'], conditions: { ready: true, serving: true }, nodeName: 'node-a', targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: 'shop', uid: 'pod-1' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  ['Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'ns-1', resourceVersion: '7', labels: { 'kubernetes.io/metadata.name': 'shop', team: 'checkout' }, managedFields }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
  ['NetworkPolicy', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'orders', namespace: 'shop', uid: 'np-1', resourceVersion: '8', managedFields }, spec: { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ port: 8080 }] }] } }]
]

function indexOf (slim: boolean): ClusterIndex {
  const index = new ClusterIndex()
  for (const [kind, obj] of objects) index.upsert(kind, slim ? slimObject(kind, structuredClone(obj)) : obj, 1_000)
  return index
}

test('the cluster index built from slim objects is the one built from whole objects', () => {
  const whole = indexOf(false)
  const slim = indexOf(true)
  const at = Date.parse(T) + 1000
  // What is read of a pod: its annotations for podmap's own only, its owners by kind, name, uid, controller.
  const read = (i: ClusterIndex) => [...i.pods.values()].map((x) => ({
    ...x,
    annotations: x.annotations[WORKLOAD_NAME_ANNOTATION],
    ownerReferences: x.ownerReferences.map((r) => ({ kind: r.kind, name: r.name, uid: r.uid, controller: r.controller }))
  }))
  assert.deepEqual(read(slim), read(whole))
  assert.equal(slim.podAt('10.1.0.11', at)?.uid, 'pod-1')
  assert.equal(slim.podAt('fd00:1::11', at)?.uid, 'pod-1')
  assert.deepEqual(slim.services, whole.services)
  assert.deepEqual(slim.namespaces, whole.namespaces)
  assert.equal(slim.nodeByIp('10.0.0.1'), 'node-a')
  assert.equal(slim.inPodCidr('fd00:1::99'), whole.inPodCidr('fd00:1::99'))
  assert.equal(slim.serviceByNodePort(30080)?.service.name, 'orders')
  const p = whole.pods.get('pod-1')!
  const identity = (i: ClusterIndex) => i.workloads.workloadOf(i.pods.get('pod-1')!)
  assert.deepEqual(identity(slim), identity(whole))
  assert.equal(identity(whole).name, 'orders-api', 'the workload-name annotation is kept')
  assert.deepEqual(slim.backendPods(slim.services.get('shop/orders')!).map((x) => x.uid), whole.backendPods(whole.services.get('shop/orders')!).map((x) => x.uid))
  assert.deepEqual(p.namedPorts, new Map([['http', 8080], ['metrics', 9090]]))
  const spec = (i: ClusterIndex) => (i.networkPolicies.get('shop/orders') as { spec?: unknown } | undefined)?.spec
  assert.deepEqual(spec(slim), spec(whole), 'a NetworkPolicy keeps its whole spec')
})

test('a pod as the API server sends it loses most of its bytes; what ListWatch needs stays', () => {
  const slim = slimObject('Pod', structuredClone(pod))
  const before = JSON.stringify(pod).length
  const after = JSON.stringify(slim).length
  assert.ok(after < before / 5, `slim ${after} bytes of ${before}`)
  assert.equal(slim.metadata.resourceVersion, '4711')
  assert.equal(slim.metadata.name, pod.metadata.name)
  assert.equal(slim.kind, 'Pod')
  assert.deepEqual(Object.keys(slim.metadata.annotations ?? {}), [WORKLOAD_NAME_ANNOTATION], 'only podmap\'s own annotation')
  assert.equal((slim.metadata as Record<string, unknown>).managedFields, undefined)
  assert.deepEqual(slimObject('ConfigMap', { a: 1 }), { a: 1 }, 'kinds it does not know are kept as they came')
})
