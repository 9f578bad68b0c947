/**
 * Scenario -> Materialized: allocates addresses from the address plan, derives UIDs, controller
 * labels and service endpoints, and adds the cluster DNS (kube-system/coredns + Service kube-dns),
 * whose pod network namespace is where dnsmasq runs. Pure: no I/O.
 */
import { createHash } from 'node:crypto'
import type { AddressPlan } from './address-plan.js'
import { MAX_EXTERNALS } from './address-plan.js'
import type {
  Materialized, MaterializedEndpoint, MaterializedPod, MaterializedService, MaterializedWorkload, UidRef
} from './materialized.js'
import type { PodSpec, Scenario, ServiceSpec, WorkloadSpec } from './scenario.js'

export const CLUSTER_DOMAIN = 'cluster.local'
export const DEFAULT_NODE_NAME = 'podmap-node-1'

export interface MaterializeOptions {
  prefix: string
  plan: AddressPlan
  /** ISO timestamp used as creationTimestamp everywhere. */
  createdAt?: string
}

/** A stable UUID-shaped id derived from what it names. */
export function stableUid (...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('/')).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function shortHash (text: string, length: number): string {
  // Kubernetes' "safe" alphabet (no vowels) for generated suffixes.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  const bytes = createHash('sha1').update(text).digest()
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length]
  return out
}

export const KUBE_DNS_RS = 'coredns-5d78c9869d'

function kubeDnsSpecs (): { workloads: WorkloadSpec[], pod: PodSpec, service: ServiceSpec } {
  const labels = { 'k8s-app': 'kube-dns' }
  return {
    workloads: [
      { kind: 'Deployment', name: 'coredns', namespace: 'kube-system', labels },
      { kind: 'ReplicaSet', name: KUBE_DNS_RS, namespace: 'kube-system', owner: { kind: 'Deployment', name: 'coredns' }, labels }
    ],
    pod: {
      name: `${KUBE_DNS_RS}-q7xkz`,
      namespace: 'kube-system',
      labels,
      owner: { kind: 'ReplicaSet', name: KUBE_DNS_RS },
      containerPorts: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]
    },
    service: {
      name: 'kube-dns',
      namespace: 'kube-system',
      selector: labels,
      ports: [
        { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' }
      ]
    }
  }
}

const wkey = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`

function controllerLabels (pod: PodSpec, podUidOwner: UidRef | undefined, byKey: Map<string, MaterializedWorkload>): Record<string, string> {
  if (podUidOwner === undefined) return {}
  const { kind, name, uid } = podUidOwner
  switch (kind) {
    case 'ReplicaSet': {
      const rs = byKey.get(wkey(kind, pod.namespace, name))
      const dep = rs?.owner
      if (dep?.kind === 'Deployment' && name.startsWith(`${dep.name}-`)) {
        return { 'pod-template-hash': name.slice(dep.name.length + 1) }
      }
      return {}
    }
    case 'StatefulSet': {
      const ordinal = /-(\d+)$/.exec(pod.name)?.[1]
      return {
        'controller-revision-hash': `${name}-${shortHash(`sts/${pod.namespace}/${name}`, 10)}`,
        'statefulset.kubernetes.io/pod-name': pod.name,
        ...(ordinal !== undefined ? { 'apps.kubernetes.io/pod-index': ordinal } : {})
      }
    }
    case 'DaemonSet':
      return { 'controller-revision-hash': shortHash(`ds/${pod.namespace}/${name}`, 10), 'pod-template-generation': '1' }
    case 'Job':
      return {
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name
      }
    default:
      return {}
  }
}

function matches (selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector)
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v)
}

function endpointsFor (svc: ServiceSpec, pods: MaterializedPod[]): MaterializedEndpoint[] {
  const out: MaterializedEndpoint[] = []
  for (const pod of pods) {
    if (pod.namespace !== svc.namespace || !matches(svc.selector, pod.labels)) continue
    const ports: MaterializedEndpoint['ports'] = []
    for (const sp of svc.ports) {
      const protocol = sp.protocol ?? 'TCP'
      const target = typeof sp.targetPort === 'number'
        ? sp.targetPort
        : pod.containerPorts.find((cp) => cp.name === sp.targetPort && cp.protocol === protocol)?.port
      if (target === undefined) break
      ports.push({ ...(sp.name !== undefined ? { name: sp.name } : {}), port: target, protocol })
    }
    // Kubernetes leaves out a pod whose container ports cannot satisfy a named targetPort.
    if (ports.length === svc.ports.length) out.push({ podKey: pod.key, ipv4: pod.ipv4, ipv6: pod.ipv6, ports })
  }
  return out
}

export function materialize (scenario: Scenario, opts: MaterializeOptions): Materialized {
  const { prefix, plan } = opts
  const createdAt = opts.createdAt ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const dns = kubeDnsSpecs()
  const workloadSpecs = [...dns.workloads, ...scenario.workloads]
  const podSpecs = [dns.pod, ...scenario.pods]
  const serviceSpecs = [dns.service, ...scenario.services]

  const seen = new Set<string>()
  const unique = (what: string, key: string): void => {
    if (seen.has(`${what}:${key}`)) throw new Error(`testbed scenario: duplicate ${what} ${key}`)
    seen.add(`${what}:${key}`)
  }

  // Workloads: owners first is not required; resolve owner UIDs after assigning all UIDs.
  const byKey = new Map<string, MaterializedWorkload>()
  for (const w of workloadSpecs) {
    unique(w.kind, `${w.namespace}/${w.name}`)
    byKey.set(wkey(w.kind, w.namespace, w.name), {
      kind: w.kind, name: w.name, namespace: w.namespace, uid: stableUid(w.kind, w.namespace, w.name), labels: { ...(w.labels ?? {}) }
    })
  }
  const resolveOwner = (ns: string, owner: { kind: WorkloadSpec['kind'], name: string } | undefined, who: string): UidRef | undefined => {
    if (owner === undefined) return undefined
    const w = byKey.get(wkey(owner.kind, ns, owner.name))
    if (w === undefined) throw new Error(`testbed scenario: ${who} is owned by unknown ${owner.kind} ${ns}/${owner.name}`)
    return { kind: w.kind, name: w.name, uid: w.uid }
  }
  for (const w of workloadSpecs) {
    const m = byKey.get(wkey(w.kind, w.namespace, w.name))
    const owner = resolveOwner(w.namespace, w.owner, `${w.kind} ${w.namespace}/${w.name}`)
    if (m !== undefined && owner !== undefined) m.owner = owner
  }

  const nodeNetns = `${prefix}-node`
  let podIndex = 0
  const pods: MaterializedPod[] = podSpecs.map((spec, i) => {
    const key = `${spec.namespace}/${spec.name}`
    unique('Pod', key)
    const owner = resolveOwner(spec.namespace, spec.owner, `Pod ${key}`)
    const hostNetwork = spec.hostNetwork === true
    const isDns = i === 0
    const index = hostNetwork ? -1 : podIndex++
    const pod: MaterializedPod = {
      key,
      name: spec.name,
      namespace: spec.namespace,
      uid: spec.uid ?? stableUid('Pod', spec.namespace, spec.name),
      labels: { ...(spec.labels ?? {}), ...controllerLabels(spec, owner, byKey) },
      containerPorts: (spec.containerPorts ?? []).map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
      hostNetwork,
      ipv4: hostNetwork ? plan.nodeIPv4 : plan.podIPv4(index),
      ipv6: hostNetwork ? plan.nodeIPv6 : plan.podIPv6(index),
      netns: hostNetwork ? nodeNetns : isDns ? `${prefix}-dns` : `${prefix}-${spec.namespace}-${spec.name}`,
      isDns
    }
    if (owner !== undefined) pod.owner = owner
    if (spec.hostname !== undefined) pod.hostname = spec.hostname
    if (spec.subdomain !== undefined) pod.subdomain = spec.subdomain
    if (!hostNetwork) pod.hostVeth = `${prefix}p${index}`
    return pod
  })

  // Default workload labels: the user labels of the first pod each (transitively) owns.
  for (const pod of pods) {
    let ref: UidRef | undefined = pod.owner
    const userLabels = podSpecs.find((p) => `${p.namespace}/${p.name}` === pod.key)?.labels ?? {}
    for (let depth = 0; ref !== undefined && depth < 4; depth++) {
      const w = byKey.get(wkey(ref.kind, pod.namespace, ref.name))
      if (w === undefined) break
      if (Object.keys(w.labels).length === 0) w.labels = { ...userLabels }
      ref = w.owner
    }
  }
  for (const w of byKey.values()) if (Object.keys(w.labels).length === 0) w.labels = { app: w.name }

  let serviceIndex = 0
  const services: MaterializedService[] = serviceSpecs.map((spec, i) => {
    const key = `${spec.namespace}/${spec.name}`
    unique('Service', key)
    const headless = spec.headless === true
    const svc: MaterializedService = {
      key,
      name: spec.name,
      namespace: spec.namespace,
      uid: stableUid('Service', spec.namespace, spec.name),
      headless,
      selector: { ...spec.selector },
      ports: spec.ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? 'TCP' })),
      endpoints: endpointsFor(spec, pods)
    }
    if (!headless) {
      const index = i === 0 ? -1 : serviceIndex++
      svc.clusterIPv4 = index < 0 ? plan.kubeDnsIPv4 : plan.serviceIPv4(index)
      svc.clusterIPv6 = index < 0 ? plan.kubeDnsIPv6 : plan.serviceIPv6(index)
    }
    return svc
  })

  if (scenario.externals.length > MAX_EXTERNALS) throw new Error(`testbed scenario: at most ${MAX_EXTERNALS} externals`)
  const externals = scenario.externals.map((e, i) => {
    unique('External', e.name)
    return { name: e.name, ipv4: plan.externalIPv4(i), ipv6: plan.externalIPv6(i), ports: [...(e.ports ?? [])], udpPorts: [...(e.udpPorts ?? [])] }
  })

  const nsNames = new Set<string>(['default', 'kube-system'])
  for (const x of [...workloadSpecs, ...podSpecs, ...serviceSpecs]) nsNames.add(x.namespace)
  const nodeName = scenario.nodeName ?? DEFAULT_NODE_NAME

  return {
    prefix,
    plan,
    clusterDomain: CLUSTER_DOMAIN,
    createdAt,
    node: { name: nodeName, uid: stableUid('Node', nodeName), ipv4: plan.nodeIPv4, ipv6: plan.nodeIPv6, netns: nodeNetns },
    dnsNetns: `${prefix}-dns`,
    internet: { netns: `${prefix}-internet`, hostVeth: `${prefix}inet` },
    namespaces: [...nsNames].sort().map((name) => ({ name, uid: stableUid('Namespace', name) })),
    workloads: [...byKey.values()],
    pods,
    services,
    externals,
    cnames: [...(scenario.dnsExtras?.cnames ?? [])]
  }
}
