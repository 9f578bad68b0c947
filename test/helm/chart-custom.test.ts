import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { only, render, type KubeDoc } from './helm-cli.js'
import { container, env, mount, podSpec, volume } from './pod-types.js'

const CUSTOM = join(import.meta.dirname, 'fixtures', 'custom-values.yaml')
let docs: KubeDoc[]

before(async () => { docs = await render(['--values', CUSTOM]) })

test('custom values: images come from global.imageRegistry, by tag or digest, with pull secrets', () => {
  const sniffer = container(only(docs, 'DaemonSet'), 'sniffer')
  const mapper = container(only(docs, 'Deployment'), 'mapper')
  assert.equal(sniffer.image, 'registry.internal:5000/podmap/podmap-sniffer:1.2.3')
  assert.equal(sniffer.imagePullPolicy, 'Always')
  assert.equal(mapper.image, 'registry.internal:5000/podmap/podmap-mapper@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')
  for (const kind of ['DaemonSet', 'Deployment']) {
    assert.deepEqual((podSpec(only(docs, kind)) as { imagePullSecrets?: unknown }).imagePullSecrets, [{ name: 'internal-registry' }])
  }
})

test('custom values: an existing Secret replaces the generated one, key included, and sniffers present it (auth.sniffers=token)', () => {
  assert.equal(docs.some((d) => d.kind === 'Secret'), false)
  for (const [kind, name] of [['DaemonSet', 'sniffer'], ['Deployment', 'mapper']] as const) {
    const w = only(docs, kind)
    assert.equal(volume(w, 'token').secret?.secretName, 'podmap-shared-token')
    assert.deepEqual(volume(w, 'token').secret?.items, [{ key: 'sniffer-token', path: 'sniffer-token' }])
    const c = container(w, name)
    assert.equal(env(c, 'PODMAP_TOKEN_FILE').value, `${mount(c, 'token').mountPath}/sniffer-token`)
  }
  const mapper = container(only(docs, 'Deployment'), 'mapper')
  assert.equal(env(mapper, 'PODMAP_SNIFFER_AUTH').value, 'token')
  assert.equal(mapper.env?.some((e) => e.name === 'PODMAP_SNIFFER_SERVICE_ACCOUNT'), false)
  const role = only(docs, 'ClusterRole') as KubeDoc & { rules: Array<{ resources: string[] }> }
  assert.equal(role.rules.some((r) => r.resources.includes('tokenreviews')), false, 'no TokenReview without ServiceAccount tokens')
})

test('custom values: the state store moves to a kept PersistentVolumeClaim', () => {
  const pvc = only(docs, 'PersistentVolumeClaim') as KubeDoc & { spec: { storageClassName: string, resources: { requests: { storage: string } }, accessModes: string[] } }
  assert.equal(pvc.spec.storageClassName, 'fast-ssd')
  assert.equal(pvc.spec.resources.requests.storage, '5Gi')
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce'])
  assert.equal(pvc.metadata.annotations?.['helm.sh/resource-policy'], 'keep')
  assert.deepEqual(volume(only(docs, 'Deployment'), 'state').persistentVolumeClaim, { claimName: pvc.metadata.name })
  assert.equal(env(container(only(docs, 'Deployment'), 'mapper'), 'PODMAP_EXCLUDE_NAMESPACES').value, 'kube-system,monitoring')
})

test('custom values: sniffer off the control plane, only the listed tolerations, existing priority class', () => {
  const ds = only(docs, 'DaemonSet')
  const spec = podSpec(ds)
  assert.deepEqual(spec.tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'observability', effect: 'NoSchedule' }])
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  assert.deepEqual(terms, [{ matchExpressions: [
    { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' },
    { key: 'node-role.kubernetes.io/master', operator: 'DoesNotExist' }
  ] }])
  assert.equal(spec.priorityClassName, 'system-node-critical')
  assert.equal(docs.some((d) => d.kind === 'PriorityClass'), false)
  const c = container(ds, 'sniffer')
  assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 19476, protocol: 'TCP' }])
  assert.equal(env(c, 'PODMAP_METRICS_PORT').value, '19476')
})

test('control plane on, all-taints off: only the control-plane taints are tolerated', async () => {
  const d = await render(['--set', 'sniffer.tolerateAllTaints=false'])
  assert.deepEqual(podSpec(only(d, 'DaemonSet')).tolerations, [
    { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' }
  ])
})

test('custom values: ServiceMonitors for both components, no scrape annotations', () => {
  const monitors = docs.filter((d) => d.kind === 'ServiceMonitor') as Array<KubeDoc & { spec: { endpoints: Array<{ port: string, interval: string }>, selector: { matchLabels: Record<string, string> } } }>
  assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), ['podmap-mapper', 'podmap-sniffer'])
  for (const m of monitors) {
    assert.equal(m.apiVersion, 'monitoring.coreos.com/v1')
    assert.equal(m.metadata.labels?.release, 'kube-prometheus')
    assert.equal(m.spec.endpoints[0]?.port, 'metrics')
    assert.equal(m.spec.endpoints[0]?.interval, '15s')
    const svc = docs.find((d) => d.kind === 'Service' && Object.entries(m.spec.selector.matchLabels).every(([k, v]) => d.metadata.labels?.[k] === v)) as (KubeDoc & { spec: { ports: Array<{ name: string }> } }) | undefined
    assert.ok(svc, `a Service matches ServiceMonitor ${m.metadata.name}`)
    assert.ok(svc.spec.ports.some((p) => p.name === 'metrics'))
  }
  for (const d of docs) assert.equal(d.metadata.annotations?.['prometheus.io/scrape'], undefined, `${d.kind}/${d.metadata.name}`)
  assert.equal((only(docs, 'DaemonSet') as unknown as { spec: { template: { metadata: { annotations?: unknown } } } }).spec.template.metadata.annotations, undefined)
})

test('custom values: namespaced rules become a Role bound to the mapper in its namespace only', () => {
  const role = only(docs, 'Role') as KubeDoc & { rules: unknown }
  assert.equal(role.metadata.namespace, 'podmap')
  assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'] }])
  const rb = only(docs, 'RoleBinding') as KubeDoc & { roleRef: unknown, subjects: unknown }
  assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'podmap-mapper' })
  assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: 'podmap-mapper', namespace: 'podmap' }])
  const cr = only(docs, 'ClusterRole') as KubeDoc & { rules: Array<{ resources: string[] }> }
  assert.equal(cr.rules.some((r) => r.resources.includes('configmaps')), false)
})
