import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CHART, only, render, type KubeDoc } from './helm-cli.js'
import { container, env, mount, podSpec, volume, type Workload } from './pod-types.js'

let docs: KubeDoc[]

before(async () => { docs = await render() })

test('default values render exactly the expected objects', () => {
  const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()
  assert.deepEqual(kinds, [
    'ClusterRole/podmap-mapper',
    'ClusterRoleBinding/podmap-mapper',
    'DaemonSet/podmap-sniffer',
    'Deployment/podmap-mapper',
    'PriorityClass/podmap-sniffer',
    'Secret/podmap-token',
    'Service/podmap-mapper',
    'ServiceAccount/podmap-mapper',
    'ServiceAccount/podmap-sniffer'
  ])
  for (const d of docs) {
    if (!['ClusterRole', 'ClusterRoleBinding', 'PriorityClass'].includes(d.kind)) assert.equal(d.metadata.namespace, 'podmap', `${d.kind} namespace`)
  }
})

test('sniffer runs on the host network and PID namespace, resolving cluster names', () => {
  const spec = podSpec(only(docs, 'DaemonSet'))
  assert.equal(spec.hostNetwork, true)
  assert.equal(spec.hostPID, true)
  assert.equal(spec.dnsPolicy, 'ClusterFirstWithHostNet')
  assert.equal(spec.automountServiceAccountToken, false)
  assert.equal(spec.priorityClassName, only(docs, 'PriorityClass').metadata.name)
})

test('sniffer mounts the host /proc read-only at /host/proc and is told so', () => {
  const ds = only(docs, 'DaemonSet')
  const c = container(ds, 'sniffer')
  assert.deepEqual(volume(ds, 'host-proc').hostPath, { path: '/proc', type: 'Directory' })
  assert.deepEqual(mount(c, 'host-proc'), { name: 'host-proc', mountPath: '/host/proc', readOnly: true })
  assert.equal(env(c, 'PODMAP_PROC_ROOT').value, '/host/proc')
  assert.deepEqual(env(c, 'NODE_NAME').valueFrom, { fieldRef: { fieldPath: 'spec.nodeName' } })
  assert.equal(env(c, 'PODMAP_MAPPER_URL').value, 'http://podmap-mapper.podmap.svc:9090')
  assert.deepEqual(c.args, ['sniffer'])
})

test('sniffer keeps only NET_RAW and SYS_PTRACE, each explained in values.yaml', async () => {
  const c = container(only(docs, 'DaemonSet'), 'sniffer')
  const sc = c.securityContext
  assert.deepEqual(sc?.capabilities, { drop: ['ALL'], add: ['NET_RAW', 'SYS_PTRACE'] })
  assert.equal(sc?.privileged, false)
  assert.equal(sc?.allowPrivilegeEscalation, false)
  assert.equal(sc?.readOnlyRootFilesystem, true)
  const values = await readFile(join(CHART, 'values.yaml'), 'utf8')
  for (const cap of sc?.capabilities?.add ?? []) {
    assert.match(values, new RegExp(`#\\s+${cap}: \\S.{20,}`), `values.yaml gives no reason for ${cap}`)
  }
})

test('sniffer probes /healthz on its own metrics port, 9476', () => {
  const c = container(only(docs, 'DaemonSet'), 'sniffer')
  assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 9476, protocol: 'TCP' }])
  for (const probe of [c.livenessProbe, c.readinessProbe]) {
    assert.deepEqual(probe?.httpGet, { path: '/healthz', port: 'metrics' })
  }
  assert.equal(env(c, 'PODMAP_METRICS_PORT').value, '9476')
})

test('sniffer tolerates every taint by default and has requests and limits', () => {
  const ds = only(docs, 'DaemonSet')
  assert.deepEqual(podSpec(ds).tolerations, [{ operator: 'Exists' }])
  assert.equal(podSpec(ds).affinity, undefined)
  const r = container(ds, 'sniffer').resources
  for (const k of ['cpu', 'memory']) {
    assert.ok(r?.requests?.[k], `requests.${k}`)
    assert.ok(r?.limits?.[k], `limits.${k}`)
  }
})

test('mapper: one replica, non-root, read-only root, no capabilities, state in an emptyDir', () => {
  const dep = only(docs, 'Deployment')
  const spec = podSpec(dep)
  const c = container(dep, 'mapper')
  assert.equal((dep as unknown as Workload).spec.replicas, 1)
  assert.equal(spec.securityContext?.runAsNonRoot, true)
  assert.notEqual(spec.securityContext?.runAsUser, 0)
  assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] })
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true)
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false)
  assert.deepEqual(volume(dep, 'state').emptyDir, {})
  assert.equal(mount(c, 'state').mountPath, '/var/lib/podmap')
  assert.equal(env(c, 'PODMAP_STATE_DIR').value, '/var/lib/podmap')
  assert.equal(spec.serviceAccountName, 'podmap-mapper')
  assert.deepEqual(c.args, ['mapper'])
})

test('mapper probes: startup and liveness on /healthz, readiness on /readyz', () => {
  const c = container(only(docs, 'Deployment'), 'mapper')
  assert.deepEqual(c.ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }])
  assert.deepEqual(c.startupProbe?.httpGet, { path: '/healthz', port: 'http' })
  assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'http' })
  assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'http' })
})

test('mapper Service selects the mapper pods and exposes the API and metrics ports', () => {
  const svc = only(docs, 'Service', 'podmap-mapper') as KubeDoc & { spec: { selector: Record<string, string>, ports: unknown[] } }
  const dep = only(docs, 'Deployment') as unknown as Workload
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels)
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(dep.spec.template.metadata.labels[k], v)
  assert.deepEqual(svc.spec.ports, [
    { name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' },
    { name: 'metrics', port: 9091, targetPort: 'http', protocol: 'TCP' }
  ])
  // Scraped through its pod's annotations only (test/prometheus/scrape-config.test.ts says why).
  assert.equal(svc.metadata.annotations?.['prometheus.io/scrape'], undefined)
  assert.equal((dep.spec.template.metadata as { annotations?: Record<string, string> }).annotations?.['prometheus.io/scrape'], 'true')
})

test('the ClusterRole grants get/list/watch on exactly the kinds the mapper reads, and create on tokenreviews', () => {
  const role = only(docs, 'ClusterRole') as KubeDoc & { rules: Array<{ apiGroups: string[], resources: string[], verbs: string[] }> }
  const granted = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}:${[...r.verbs].sort().join(',')}`))).sort()
  const read = 'get,list,watch'
  assert.deepEqual(granted, [
    '/namespaces', '/nodes', '/pods', '/services',
    'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets',
    'batch/cronjobs', 'batch/jobs',
    'discovery.k8s.io/endpointslices',
    'networking.k8s.io/networkpolicies'
  ].map((r) => `${r}:${read}`).concat(['authentication.k8s.io/tokenreviews:create']).sort())
  for (const r of role.rules) assert.equal(Object.keys(r).some((k) => k === 'nonResourceURLs' || k === 'resourceNames'), false)
  const binding = only(docs, 'ClusterRoleBinding') as KubeDoc & { roleRef: { kind: string, name: string }, subjects: unknown[] }
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'podmap-mapper' })
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'podmap-mapper', namespace: 'podmap' }])
  assert.equal(docs.some((d) => d.kind === 'Role'), false, 'the mapper writes nothing, so no Role by default')
})

test('the generated token Secret is what the mapper mounts and reads (snapshots and reset)', () => {
  const secret = only(docs, 'Secret') as KubeDoc & { data: Record<string, string> }
  const token = Buffer.from(secret.data.token ?? '', 'base64').toString()
  assert.match(token, /^[A-Za-z0-9]{48}$/)
  const w = only(docs, 'Deployment')
  const c = container(w, 'mapper')
  assert.deepEqual(volume(w, 'token').secret?.items, [{ key: 'token', path: 'token' }])
  assert.equal(volume(w, 'token').secret?.secretName, secret.metadata.name)
  assert.equal(env(c, 'PODMAP_TOKEN_FILE').value, `${mount(c, 'token').mountPath}/token`)
  assert.equal(mount(c, 'token').readOnly, true)
})

test('sniffers prove their node with a projected ServiceAccount token (audience podmap) that the mapper reviews', () => {
  const ds = only(docs, 'DaemonSet')
  const c = container(ds, 'sniffer')
  const projected = (volume(ds, 'sa-token') as { projected?: { sources: Array<{ serviceAccountToken?: { audience: string, expirationSeconds: number, path: string } }> } }).projected
  assert.deepEqual(projected?.sources, [{ serviceAccountToken: { audience: 'podmap', expirationSeconds: 3600, path: 'token' } }])
  assert.equal(env(c, 'PODMAP_SERVICE_ACCOUNT_TOKEN_FILE').value, `${mount(c, 'sa-token').mountPath}/token`)
  assert.equal(mount(c, 'sa-token').readOnly, true)
  assert.equal(c.env?.some((e) => e.name === 'PODMAP_TOKEN_FILE'), false, 'the shared token is not the sniffers\' to hold')
  assert.equal((podSpec(ds) as { volumes: Array<{ name: string }> }).volumes.some((v) => v.name === 'token'), false)
  const mapper = container(only(docs, 'Deployment'), 'mapper')
  assert.equal(env(mapper, 'PODMAP_SNIFFER_AUTH').value, 'serviceaccount')
  const sa = docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.name === 'podmap-sniffer')
  assert.ok(sa, 'the sniffer ServiceAccount')
  assert.equal(env(mapper, 'PODMAP_SNIFFER_SERVICE_ACCOUNT').value, `podmap/${sa.metadata.name}`)
})

test('two renders generate different tokens (the install-time Secret is random)', async () => {
  const again = await render()
  const a = (only(docs, 'Secret') as KubeDoc & { data: { token: string } }).data.token
  const b = (only(again, 'Secret') as KubeDoc & { data: { token: string } }).data.token
  assert.notEqual(a, b)
})

test('the mapper\'s heap limit: the chart\'s default NODE_OPTIONS is the one the image carries for installs without the chart', async () => {
  const dockerfile = await readFile(join(CHART, '..', '..', 'Dockerfile.mapper'), 'utf8')
  const image = /^ENV NODE_OPTIONS=(\S+)$/m.exec(dockerfile)?.[1]
  assert.match(image ?? '', /^--max-old-space-size-percentage=\d+$/, 'Dockerfile.mapper sets the heap limit as a share of the container\'s memory')
  assert.equal(env(container(only(docs, 'Deployment'), 'mapper'), 'NODE_OPTIONS').value, image)
})
