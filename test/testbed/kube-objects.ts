/**
 * Materialized testbed -> the plain Kubernetes JSON objects a fake API server serves. Every IP,
 * UID and owner reference comes from the same Materialized value the network was built from.
 */
import { createHash } from 'node:crypto'
import type { Materialized, MaterializedPod, MaterializedService, MaterializedWorkload } from './materialized.js'

export type KubeObject = Record<string, unknown> & { apiVersion: string, kind: string, metadata: Record<string, unknown> }

const API_VERSION: Record<MaterializedWorkload['kind'], string> = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1'
}

function ownerReferences (owner: { kind: MaterializedWorkload['kind'], name: string, uid: string } | undefined): Array<Record<string, unknown>> | undefined {
  if (owner === undefined) return undefined
  return [{ apiVersion: API_VERSION[owner.kind], kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }]
}

function meta (m: Materialized, name: string, namespace: string | undefined, uid: string, labels: Record<string, string>, owner?: MaterializedWorkload['owner']): Record<string, unknown> {
  const out: Record<string, unknown> = { name }
  if (namespace !== undefined) out.namespace = namespace
  out.uid = uid
  out.creationTimestamp = m.createdAt
  if (Object.keys(labels).length > 0) out.labels = { ...labels }
  const refs = ownerReferences(owner)
  if (refs !== undefined) out.ownerReferences = refs
  return out
}

function podTemplate (w: MaterializedWorkload, pods: MaterializedPod[]): Record<string, unknown> {
  const pod = pods.find((p) => p.namespace === w.namespace && Object.entries(w.labels).every(([k, v]) => p.labels[k] === v))
  return {
    metadata: { labels: { ...w.labels } },
    spec: { containers: [{ name: 'main', image: `example.invalid/${w.name}:1`, ports: (pod?.containerPorts ?? []).map(containerPort) }] }
  }
}

function containerPort (p: MaterializedPod['containerPorts'][number]): Record<string, unknown> {
  return { ...(p.name !== undefined ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol }
}

function workloadObject (m: Materialized, w: MaterializedWorkload): KubeObject {
  const owned = m.pods.filter((p) => p.owner?.uid === w.uid).length
  const selector = { matchLabels: { ...w.labels } }
  const template = podTemplate(w, m.pods)
  const base = { apiVersion: API_VERSION[w.kind], kind: w.kind, metadata: meta(m, w.name, w.namespace, w.uid, w.labels, w.owner) }
  const replicasOf = (kind: MaterializedWorkload['kind']): number =>
    kind === 'Deployment'
      ? m.workloads.filter((r) => r.owner?.uid === w.uid).reduce((n, r) => n + m.pods.filter((p) => p.owner?.uid === r.uid).length, 0)
      : owned
  switch (w.kind) {
    case 'Deployment':
    case 'ReplicaSet': {
      const replicas = replicasOf(w.kind)
      return { ...base, spec: { replicas, selector, template }, status: { replicas, readyReplicas: replicas, availableReplicas: replicas } }
    }
    case 'StatefulSet':
      return { ...base, spec: { replicas: owned, serviceName: w.name, selector, template }, status: { replicas: owned, readyReplicas: owned } }
    case 'DaemonSet':
      return { ...base, spec: { selector, template }, status: { desiredNumberScheduled: owned, currentNumberScheduled: owned, numberReady: owned } }
    case 'Job':
      return { ...base, spec: { template: { ...template, spec: { ...(template.spec as object), restartPolicy: 'Never' } } }, status: { active: owned, startTime: m.createdAt } }
    case 'CronJob':
      return {
        ...base,
        spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { ...template, spec: { ...(template.spec as object), restartPolicy: 'Never' } } } } },
        status: { active: m.workloads.filter((j) => j.owner?.uid === w.uid).map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.name, namespace: j.namespace, uid: j.uid })) }
      }
  }
}

function podObject (m: Materialized, p: MaterializedPod): KubeObject {
  const spec: Record<string, unknown> = {
    nodeName: m.node.name,
    hostNetwork: p.hostNetwork,
    dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    restartPolicy: p.owner?.kind === 'Job' ? 'Never' : 'Always',
    containers: [{ name: 'main', image: `example.invalid/${p.name}:1`, ports: p.containerPorts.map(containerPort) }]
  }
  if (p.hostname !== undefined) spec.hostname = p.hostname
  if (p.subdomain !== undefined) spec.subdomain = p.subdomain
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(m, p.name, p.namespace, p.uid, p.labels, p.owner),
    spec,
    status: {
      phase: 'Running',
      hostIP: m.node.ipv4,
      hostIPs: [{ ip: m.node.ipv4 }, { ip: m.node.ipv6 }],
      podIP: p.ipv4,
      podIPs: [{ ip: p.ipv4 }, { ip: p.ipv6 }],
      startTime: m.createdAt,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: `example.invalid/${p.name}:1`, state: { running: { startedAt: m.createdAt } } }]
    }
  }
}

function serviceObject (m: Materialized, s: MaterializedService): KubeObject {
  const clusterIPs = s.headless ? ['None'] : [s.clusterIPv4 ?? '', s.clusterIPv6 ?? '']
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(m, s.name, s.namespace, s.uid, s.name === 'kube-dns' ? { 'k8s-app': 'kube-dns' } : {}),
    spec: {
      type: 'ClusterIP',
      clusterIP: clusterIPs[0],
      clusterIPs,
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: s.headless ? 'RequireDualStack' : 'PreferDualStack',
      selector: { ...s.selector },
      ports: s.ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      sessionAffinity: 'None'
    },
    status: { loadBalancer: {} }
  }
}

function endpointSlices (m: Materialized, s: MaterializedService): KubeObject[] {
  const suffix = createHash('sha1').update(s.uid).digest('hex').slice(0, 5)
  const first = s.endpoints[0]
  const ports = s.ports.map((sp, i) => ({
    ...(sp.name !== undefined ? { name: sp.name } : {}),
    port: first?.ports[i]?.port ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port),
    protocol: sp.protocol
  }))
  return (['IPv4', 'IPv6'] as const).map((family) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...meta(m, `${s.name}-${family === 'IPv4' ? '' : '6'}${suffix}`, s.namespace, `${s.uid.slice(0, -4)}${family === 'IPv4' ? 'e004' : 'e006'}`,
        { 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: s.name, uid: s.uid, controller: true, blockOwnerDeletion: true }]
    },
    addressType: family,
    endpoints: s.endpoints.map((e) => {
      const pod = m.pods.find((p) => p.key === e.podKey)
      const out: Record<string, unknown> = {
        addresses: [family === 'IPv4' ? e.ipv4 : e.ipv6],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: m.node.name,
        targetRef: { kind: 'Pod', name: pod?.name, namespace: pod?.namespace, uid: pod?.uid }
      }
      if (pod?.hostname !== undefined && pod.subdomain === s.name) out.hostname = pod.hostname
      return out
    }),
    ports
  }))
}

/** Every object of the testbed cluster, in an order a controller would have created them. */
export function toKubeObjects (m: Materialized): KubeObject[] {
  const out: KubeObject[] = []
  for (const ns of m.namespaces) {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(m, ns.name, undefined, ns.uid, { 'kubernetes.io/metadata.name': ns.name }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })
  }
  out.push({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(m, m.node.name, undefined, m.node.uid, { 'kubernetes.io/hostname': m.node.name, 'kubernetes.io/os': 'linux' }),
    spec: { podCIDR: m.plan.podCidr4, podCIDRs: [m.plan.podCidr4, m.plan.podCidr6] },
    status: {
      addresses: [{ type: 'InternalIP', address: m.node.ipv4 }, { type: 'InternalIP', address: m.node.ipv6 }, { type: 'Hostname', address: m.node.name }],
      conditions: [{ type: 'Ready', status: 'True' }]
    }
  })
  const order: Array<MaterializedWorkload['kind']> = ['CronJob', 'Job', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']
  for (const kind of order) for (const w of m.workloads) if (w.kind === kind) out.push(workloadObject(m, w))
  for (const p of m.pods) out.push(podObject(m, p))
  for (const s of m.services) out.push(serviceObject(m, s), ...endpointSlices(m, s))
  return out
}
