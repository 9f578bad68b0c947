/**
 * A synthetic cluster for the mapper benchmarks: `pods` pods in Deployments (ReplicaSet owned),
 * `services` ClusterIP Services selecting them, across namespaces, as informer objects; and
 * realistic reports over it (half DNS responses for service names and external names, half TCP
 * sessions to ClusterIPs and pod IPs).
 */
import type { Report } from '../src/contract/report.js'

export interface SyntheticCluster {
  objects: Array<[string, Record<string, unknown>]>
  podIps: string[]
  /** The node each pod (by index) runs on. */
  podNodes: string[]
  services: Array<{ name: string, namespace: string, ip: string, port: number }>
}

const ip4 = (base: number, i: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`

export function syntheticCluster (pods = 5000, services = 1000, namespaces = 20, nodes = 1): SyntheticCluster {
  const objects: Array<[string, Record<string, unknown>]> = []
  const podIps: string[] = []
  const podNodes: string[] = []
  const svcs: SyntheticCluster['services'] = []
  const created = new Date(Date.now() - 86_400_000).toISOString()
  for (let n = 0; n < namespaces; n++) objects.push(['Namespace', { kind: 'Namespace', metadata: { name: `ns-${n}`, uid: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}` } } }])
  for (let n = 0; n < nodes; n++) objects.push(['Node', { kind: 'Node', metadata: { name: `node-${n}`, uid: `node-${n}` }, status: { addresses: [{ type: 'InternalIP', address: `192.168.${n >> 8}.${(n & 255) + 1}` }] } }])
  const podsPerSvc = Math.max(1, Math.floor(pods / services))
  for (let s = 0; s < services; s++) {
    const ns = `ns-${s % namespaces}`
    const app = `app-${s}`
    const hash = (0x5d8f7c9b6 + s).toString(16).slice(0, 9)
    objects.push(['Deployment', { kind: 'Deployment', metadata: { name: app, namespace: ns, uid: `d-${s}` } }])
    objects.push(['ReplicaSet', { kind: 'ReplicaSet', metadata: { name: `${app}-${hash}`, namespace: ns, uid: `rs-${s}`, ownerReferences: [{ kind: 'Deployment', name: app, uid: `d-${s}`, controller: true }] } }])
    const ip = ip4(96, s + 10)
    svcs.push({ name: app, namespace: ns, ip, port: 80 })
    objects.push(['Service', { kind: 'Service', metadata: { name: app, namespace: ns, uid: `svc-${s}` }, spec: { clusterIP: ip, selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } }])
    for (let k = 0; k < podsPerSvc && podIps.length < pods; k++) {
      const i = podIps.length
      const podIp = ip4(1, i + 10)
      podIps.push(podIp)
      podNodes.push(`node-${i % nodes}`)
      objects.push(['Pod', {
        kind: 'Pod',
        metadata: { name: `${app}-${hash}-p${k}`, namespace: ns, uid: `pod-${i}`, creationTimestamp: created, labels: { app, 'pod-template-hash': hash }, ownerReferences: [{ kind: 'ReplicaSet', name: `${app}-${hash}`, uid: `rs-${s}`, controller: true }] },
        spec: { nodeName: podNodes[i], containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] },
        status: { phase: 'Running', podIP: podIp, startTime: created }
      }])
    }
  }
  return { objects, podIps, podNodes, services: svcs }
}

/** A deterministic pseudo-random sequence, so runs are comparable. */
export function rng (seed: number): () => number {
  let x = seed >>> 0
  return () => { x ^= x << 13; x >>>= 0; x ^= x >> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000 }
}

/**
 * Realistic traffic: every workload has a fixed set of dependencies (`fanOut` Services and one or
 * two external names, drawn once per workload), as services in a real cluster do; a report holds
 * DNS answers and sessions from random pods to their own dependencies. Fewer fixed dependencies give
 * fewer distinct edges; `fanOut` = Infinity makes every pair possible (the pessimistic case).
 */
export function syntheticReport (c: SyntheticCluster, records: number, seed: number, now = Date.now(), fanOut = 5, node = 'node-0'): Report {
  const r = rng(seed)
  // A node reports what its own pods did: clients are drawn from the pods on `node`.
  const local = c.podNodes.every((n) => n === node) ? undefined : c.podNodes.flatMap((n, i) => n === node ? [i] : [])
  const pickPod = (): number => local === undefined ? Math.floor(r() * c.podIps.length) : local[Math.floor(r() * local.length)] as number
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)] as T
  const podsPerSvc = Math.max(1, Math.floor(c.podIps.length / c.services.length))
  const deps = (podIndex: number): number[] => {
    const w = Math.floor(podIndex / podsPerSvc)
    const d = rng(w + 7)
    return Array.from({ length: Number.isFinite(fanOut) ? fanOut : 1 }, () => Math.floor(d() * c.services.length))
  }
  const target = (podIndex: number) => {
    if (!Number.isFinite(fanOut)) return pick(c.services)
    return c.services[pick(deps(podIndex))] as SyntheticCluster['services'][number]
  }
  const dns: Report['dns'] = []
  const sockets: Report['sockets'] = []
  for (let i = 0; i < records / 2; i++) {
    const pi = pickPod()
    const client = c.podIps[pi] as string
    if (r() < 0.9) {
      const s = target(pi)
      dns.push({ client, name: `${s.name}.${s.namespace}.svc.cluster.local`, answers: [s.ip], ttl: 30, firstSeen: now - 4000, lastSeen: now, count: 1 + Math.floor(r() * 5) })
    } else {
      const e = Number.isFinite(fanOut) ? Math.floor(pi / podsPerSvc) % 200 : Math.floor(r() * 200)
      dns.push({ client, name: `api-${e}.partner${e % 7}.example`, answers: [`198.51.100.${e % 250}`], ttl: 300, firstSeen: now - 4000, lastSeen: now, count: 1 })
    }
  }
  for (let i = 0; i < records / 2; i++) {
    const pi = pickPod()
    const client = c.podIps[pi] as string
    const s = target(pi)
    if (r() < 0.7) {
      sockets.push({ client, server: s.ip, port: s.port, protocol: 'TCP', firstSeen: now - 4000, lastSeen: now, count: 1 })
    } else {
      // the server side of such a session, seen in the server pod's namespace: pod IP and target port
      const serverPod = c.podIps[(c.services.indexOf(s) * podsPerSvc) % c.podIps.length] as string
      sockets.push({ client, server: serverPod, port: 8080, protocol: 'TCP', firstSeen: now - 4000, lastSeen: now, count: 1 })
    }
  }
  return { version: 1, node, sentAt: now, dns, sockets }
}
