/**
 * The mapper's view of the cluster, fed only by informer events, with the indexes resolution needs:
 * IP -> pod (with history), IP -> node, ClusterIP -> Service, Service -> backing pods, DNS hostnames.
 * Handlers are synchronous and idempotent: the same event twice, or a delete of an unknown object,
 * leaves the index as one event would. Each handler tells `workloads` (workload-queries.ts, the
 * derived answers) exactly which key changed.
 */
import { BlockList } from 'node:net'
import { Interned } from './intern.js'
import { IpHistory } from './ip-history.js'
import { addCidr, normalizeAddress } from '../policy/cidr.js'
import { podCidrGateway } from './pod-cidr-gateway.js'
import type { OwnerInfo } from './workload.js'
import { matchLabels } from './label-selector.js'
import { WorkloadQueries, ownerKey } from './workload-queries.js'
import {
  nsName, stampMs,
  type EndpointSliceObject, type KubeObject, type NodeObject, type OwnerRef, type PodObject, type ServiceObject
} from './objects.js'

const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>
const NO_OWNERS: OwnerRef[] = Object.freeze([]) as unknown as OwnerRef[]

export interface PodInfo {
  uid: string
  namespace: string
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  ownerReferences: OwnerRef[]
  nodeName?: string
  hostNetwork: boolean
  hostname?: string
  subdomain?: string
  ips: string[]
  /** container port name -> number, for Service targetPort names */
  namedPorts: Map<string, number>
  /** container port name -> its protocol (TCP when unset): a named port in a NetworkPolicy is the port on that protocol */
  namedPortProtocols: Map<string, string>
}

export interface ServicePort { name?: string, port: number, targetPort: number | string, protocol: 'TCP' | 'UDP', nodePort?: number }

export interface ServiceInfo {
  namespace: string
  name: string
  headless: boolean
  selector?: Record<string, string>
  ports: ServicePort[]
  ips: string[]
}

const OWNER_KINDS = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'])

export class ClusterIndex {
  readonly pods = new Map<string, PodInfo>()
  readonly podIps = new IpHistory<PodInfo>()
  private readonly owners = new Map<string, OwnerInfo>()
  readonly services = new Map<string, ServiceInfo>()
  private readonly serviceIps = new Map<string, ServiceInfo>()
  private readonly nodeIps = new Map<string, string>()
  private readonly nodeAddresses = new Map<string, string[]>()
  /** Each node's podCIDR gateway addresses (also in nodeIps). */
  private readonly nodeGateways = new Map<string, string[]>()
  /** node name -> its podCIDRs (spec.podCIDRs), and all of them as one list, rebuilt when they change */
  private readonly nodePodCidrs = new Map<string, string[]>()
  private podCidrList?: BlockList
  /** EndpointSlice uid -> { service key, pod uids } */
  private readonly slices = new Map<string, { service: string, pods: string[] }>()
  /** service key -> uids of its EndpointSlices */
  private readonly slicesByService = new Map<string, Set<string>>()
  /** namespace -> uids of its pods (for selector matching when a Service has no EndpointSlice) */
  private readonly podsByNamespace = new Map<string, Set<string>>()
  private readonly podsByHostname = new Map<string, string>()
  readonly namespaces = new Map<string, Record<string, string>>()
  /** NetworkPolicies as the informer delivered them ("namespace/name" -> object), for shadow mode. */
  readonly networkPolicies = new Map<string, KubeObject>()
  /** Bumped when a Service is added or removed (short DNS names `<svc>.<ns>` depend on which exist). */
  serviceSetVersion = 0
  /** Workload of a pod, pods of a workload, workload behind a Service: memoised, invalidated per key. */
  readonly workloads: WorkloadQueries = new WorkloadQueries({
    pods: this.pods,
    owner: (key) => this.owners.get(key),
    backendPods: (svc) => this.backendPods(svc)
  })

  upsert (kind: string, obj: KubeObject, at: number): void {
    switch (kind) {
      case 'Pod': this.upsertPod(obj as PodObject, at); break
      case 'Service': this.upsertService(obj as ServiceObject); break
      case 'EndpointSlice': this.upsertSlice(obj as EndpointSliceObject); break
      case 'Node': this.upsertNode(obj as NodeObject); break
      case 'Namespace': this.namespaces.set(obj.metadata?.name ?? '', { ...obj.metadata?.labels }); break
      case 'NetworkPolicy': if (obj.metadata?.name) this.networkPolicies.set(nsName(obj.metadata.namespace, obj.metadata.name), obj); break
      default:
        if (OWNER_KINDS.has(kind)) {
          const m = obj.metadata
          if (!m?.name) break
          const key = ownerKey(kind, m.namespace ?? '', m.name)
          this.owners.set(key, { ownerReferences: m.ownerReferences, annotations: m.annotations })
          this.workloads.ownerChanged(key)
        }
    }
  }

  remove (kind: string, obj: KubeObject, at: number): void {
    const m = obj.metadata
    if (!m?.name) return
    switch (kind) {
      case 'Pod': {
        const pod = m.uid ? this.pods.get(m.uid) : undefined
        if (pod) this.dropPod(pod, at)
        break
      }
      case 'Service': {
        const key = nsName(m.namespace, m.name)
        const svc = this.services.get(key)
        if (svc) { for (const ip of svc.ips) if (this.serviceIps.get(ip) === svc) this.serviceIps.delete(ip) }
        if (this.services.delete(key)) this.serviceSetVersion++
        this.workloads.serviceChanged(m.namespace ?? '', m.name)
        break
      }
      case 'EndpointSlice': if (m.uid) this.dropSlice(m.uid); break
      case 'Node': {
        for (const ip of [...this.nodeAddresses.get(m.name) ?? [], ...this.nodeGateways.get(m.name) ?? []]) this.nodeIps.delete(ip)
        this.nodeAddresses.delete(m.name)
        this.nodeGateways.delete(m.name)
        if (this.nodePodCidrs.delete(m.name)) this.podCidrList = undefined
        break
      }
      case 'Namespace': this.namespaces.delete(m.name); break
      case 'NetworkPolicy': this.networkPolicies.delete(nsName(m.namespace, m.name)); break
      default:
        if (OWNER_KINDS.has(kind)) {
          const key = ownerKey(kind, m.namespace ?? '', m.name)
          this.owners.delete(key)
          this.workloads.ownerChanged(key)
        }
    }
  }

  // Shared per distinct value (intern.ts): a workload's pods carry the same labels, owners and ports.
  private readonly labelSets = new Interned<Readonly<Record<string, string>>>()
  private readonly ownerSets = new Interned<readonly OwnerRef[]>()
  private readonly portSets = new Interned<{ namedPorts: Map<string, number>, namedPortProtocols: Map<string, string> }>()

  private namedPortsOf (obj: PodObject): { namedPorts: Map<string, number>, namedPortProtocols: Map<string, string> } {
    let key = ''
    for (const c of obj.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name) key += `${p.name}:${p.containerPort}/${p.protocol ?? 'TCP'} `
    return this.portSets.get(key, () => {
      const namedPorts = new Map<string, number>()
      const namedPortProtocols = new Map<string, string>()
      for (const c of obj.spec?.containers ?? []) {
        for (const p of c.ports ?? []) if (p.name) { namedPorts.set(p.name, p.containerPort); namedPortProtocols.set(p.name, p.protocol ?? 'TCP') }
      }
      return { namedPorts, namedPortProtocols }
    })
  }

  private upsertPod (obj: PodObject, at: number): void {
    const m = obj.metadata
    if (!m?.uid || !m.name || !m.namespace) return
    const previous = this.pods.get(m.uid)
    const finished = obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed'
    const ips = finished ? [] : podIpsOf(obj)
    const { namedPorts, namedPortProtocols } = this.namedPortsOf(obj)
    const pod: PodInfo = {
      uid: m.uid,
      namespace: m.namespace,
      name: m.name,
      labels: m.labels === undefined ? EMPTY : this.labelSets.get(JSON.stringify(m.labels), () => Object.freeze({ ...m.labels })) as Record<string, string>,
      annotations: m.annotations === undefined || Object.keys(m.annotations).length === 0 ? EMPTY : m.annotations,
      ownerReferences: m.ownerReferences === undefined ? NO_OWNERS : this.ownerSets.get(m.ownerReferences.map((r) => `${r.kind}/${r.name}/${r.uid}/${r.controller === true}`).join(' '),
        () => Object.freeze(m.ownerReferences!.map((r) => Object.freeze({ kind: r.kind, name: r.name, uid: r.uid, ...(r.controller !== undefined ? { controller: r.controller } : {}) })))) as OwnerRef[],
      nodeName: obj.spec?.nodeName,
      hostNetwork: obj.spec?.hostNetwork === true,
      hostname: obj.spec?.hostname,
      subdomain: obj.spec?.subdomain,
      ips,
      namedPorts,
      namedPortProtocols
    }
    this.pods.set(pod.uid, pod)
    this.workloads.podChanged(pod.uid, pod.namespace)
    let inNs = this.podsByNamespace.get(pod.namespace)
    if (!inNs) { inNs = new Set(); this.podsByNamespace.set(pod.namespace, inNs) }
    inNs.add(pod.uid)
    if (pod.hostname && pod.subdomain) this.podsByHostname.set(`${pod.namespace}/${pod.subdomain}/${pod.hostname}`, pod.uid)
    const same = (a: PodInfo, b: PodInfo): boolean => a.uid === b.uid
    for (const ip of previous?.ips ?? []) {
      if (!ips.includes(ip)) this.podIps.release(ip, at, (h) => h.uid === pod.uid)
    }
    // hostNetwork pods share the node's address: they are not indexed by IP.
    if (pod.hostNetwork) return
    const started = stampMs(obj.status?.startTime) ?? stampMs(m.creationTimestamp) ?? at
    for (const ip of ips) {
      // An IP first seen on a pod we already knew was assigned now; one present at first sight
      // has been held since the pod started.
      const from = previous && !previous.ips.includes(ip) ? at : Math.min(started, at)
      this.podIps.assign(ip, pod, from, same)
    }
  }

  private dropPod (pod: PodInfo, at: number): void {
    for (const ip of pod.ips) this.podIps.release(ip, at, (h) => h.uid === pod.uid)
    this.pods.delete(pod.uid)
    this.workloads.podChanged(pod.uid, pod.namespace)
    const inNs = this.podsByNamespace.get(pod.namespace)
    inNs?.delete(pod.uid)
    if (inNs?.size === 0) this.podsByNamespace.delete(pod.namespace)
    if (pod.hostname && pod.subdomain) {
      const key = `${pod.namespace}/${pod.subdomain}/${pod.hostname}`
      if (this.podsByHostname.get(key) === pod.uid) this.podsByHostname.delete(key)
    }
  }

  private upsertService (obj: ServiceObject): void {
    const m = obj.metadata
    if (!m?.name || !m.namespace) return
    const key = nsName(m.namespace, m.name)
    const old = this.services.get(key)
    if (old) { for (const ip of old.ips) if (this.serviceIps.get(ip) === old) this.serviceIps.delete(ip) }
    const spec = obj.spec ?? {}
    const clusterIps = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip) => ip && ip !== 'None')
    const lbIps = (obj.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip)
    const svc: ServiceInfo = {
      namespace: m.namespace,
      name: m.name,
      headless: spec.clusterIP === 'None',
      selector: spec.selector,
      ports: (spec.ports ?? []).map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP',
        nodePort: p.nodePort
      })),
      ips: [...clusterIps, ...(spec.externalIPs ?? []), ...lbIps]
    }
    if (!old) this.serviceSetVersion++
    this.services.set(key, svc)
    for (const ip of svc.ips) this.serviceIps.set(ip, svc)
    this.workloads.serviceChanged(svc.namespace, svc.name)
  }

  private upsertSlice (obj: EndpointSliceObject): void {
    const m = obj.metadata
    const service = m?.labels?.['kubernetes.io/service-name']
    if (!m?.uid || !m.namespace || !service) return
    const pods: string[] = []
    for (const e of obj.endpoints ?? []) {
      if (e.targetRef?.kind === 'Pod' && e.targetRef.uid) pods.push(e.targetRef.uid)
    }
    this.dropSlice(m.uid)
    const key = nsName(m.namespace, service)
    this.slices.set(m.uid, { service: key, pods })
    let set = this.slicesByService.get(key)
    if (!set) { set = new Set(); this.slicesByService.set(key, set) }
    set.add(m.uid)
    this.workloads.serviceChanged(m.namespace, service)
  }

  private dropSlice (uid: string): void {
    const old = this.slices.get(uid)
    if (!old) return
    this.slices.delete(uid)
    const set = this.slicesByService.get(old.service)
    set?.delete(uid)
    if (set?.size === 0) this.slicesByService.delete(old.service)
    const slash = old.service.indexOf('/')
    this.workloads.serviceChanged(old.service.slice(0, slash), old.service.slice(slash + 1))
  }

  private upsertNode (obj: NodeObject): void {
    const name = obj.metadata?.name
    if (!name) return
    for (const ip of [...this.nodeAddresses.get(name) ?? [], ...this.nodeGateways.get(name) ?? []]) this.nodeIps.delete(ip)
    const ips = (obj.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address)
    this.nodeAddresses.set(name, ips)
    const cidrs = obj.spec?.podCIDRs ?? (obj.spec?.podCIDR ? [obj.spec.podCIDR] : [])
    // The node's address on its pod bridge, where its probes come from (pod-cidr-gateway.ts).
    const gateways = cidrs.map(podCidrGateway).filter((g): g is string => g !== undefined)
    this.nodeGateways.set(name, gateways)
    for (const ip of [...gateways, ...ips]) this.nodeIps.set(ip, name)
    if ((this.nodePodCidrs.get(name) ?? []).join() !== cidrs.join()) {
      this.nodePodCidrs.set(name, cidrs)
      this.podCidrList = undefined
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  podAt (ip: string, at: number): PodInfo | undefined { return this.podIps.at(ip, at) }

  /**
   * Forgets what deleted pods left behind once no report can still need it: IP tenancies that ended
   * before `before` (a report about an older time then resolves that IP to nothing, counted as
   * unresolved). Live pods and their memos are untouched; deleted pods' memos went with their delete.
   */
  forget (before: number): { tenancies: number } {
    return { tenancies: this.podIps.prune(before) }
  }

  /** What the index holds, for the memory figures and the forgetting tests. */
  get sizes (): { pods: number, ipHistories: number, namespaces: number, hostnames: number, workloadMemos: number, serviceMemos: number } {
    const memos = this.workloads.size
    return { pods: this.pods.size, ipHistories: this.podIps.size, namespaces: this.podsByNamespace.size, hostnames: this.podsByHostname.size, workloadMemos: memos.pods, serviceMemos: memos.services }
  }
  nodeByIp (ip: string): string | undefined { return this.nodeIps.get(ip) }
  nodeAddressesOf (name: string): string[] { return this.nodeAddresses.get(name) ?? [] }
  /** Whether a node of that name is known. */
  hasNode (name: string): boolean { return this.nodeAddresses.has(name) }
  /** Whether `ip` is in a node's podCIDR (spec.podCIDRs): the cluster's pod network, as far as nodes say. */
  inPodCidr (ip: string): boolean {
    const a = normalizeAddress(ip)
    if (!a) return false
    if (!this.podCidrList) {
      const list = new BlockList()
      for (const cidrs of this.nodePodCidrs.values()) for (const c of cidrs) addCidr(list, c)
      this.podCidrList = list
    }
    return this.podCidrList.check(a.address, a.family)
  }
  serviceByIp (ip: string): ServiceInfo | undefined { return this.serviceIps.get(ip) }
  service (namespace: string, name: string): ServiceInfo | undefined { return this.services.get(nsName(namespace, name)) }
  podByHostname (namespace: string, subdomain: string, hostname: string): PodInfo | undefined {
    const uid = this.podsByHostname.get(`${namespace}/${subdomain}/${hostname}`)
    return uid ? this.pods.get(uid) : undefined
  }

  /** Services whose NodePort is `port` (a call to a node address on that port enters through it). */
  serviceByNodePort (port: number): { service: ServiceInfo, port: ServicePort } | undefined {
    for (const service of this.services.values()) {
      for (const p of service.ports) if (p.nodePort === port) return { service, port: p }
    }
    return undefined
  }

  /** The pods behind a Service: from its EndpointSlices, else by its selector. */
  backendPods (svc: ServiceInfo): PodInfo[] {
    const out: PodInfo[] = []
    for (const uid of this.slicesByService.get(nsName(svc.namespace, svc.name)) ?? []) {
      for (const podUid of this.slices.get(uid)?.pods ?? []) { const p = this.pods.get(podUid); if (p) out.push(p) }
    }
    if (out.length > 0 || !svc.selector || Object.keys(svc.selector).length === 0) return out
    for (const uid of this.podsByNamespace.get(svc.namespace) ?? []) {
      const pod = this.pods.get(uid)
      if (pod && matchLabels(svc.selector, pod.labels)) out.push(pod)
    }
    return out
  }

}

function podIpsOf (obj: PodObject): string[] {
  const ips = new Set<string>()
  if (obj.status?.podIP) ips.add(obj.status.podIP)
  for (const p of obj.status?.podIPs ?? []) if (p.ip) ips.add(p.ip)
  return [...ips]
}
