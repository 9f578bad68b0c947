/**
 * A scenario with every address, UID, name and link allocated: the single source both the network
 * builder (testbed.ts) and the Kubernetes objects (kube-objects.ts) read, so they cannot disagree.
 */
import type { AddressPlan } from './address-plan.js'
import type { CnameSpec, Protocol, WorkloadKind } from './scenario.js'

export interface UidRef {
  kind: WorkloadKind
  name: string
  uid: string
}

export interface MaterializedWorkload {
  kind: WorkloadKind
  name: string
  namespace: string
  uid: string
  owner?: UidRef
  /** Selector and pod template labels. */
  labels: Record<string, string>
}

export interface MaterializedPod {
  key: string // "<namespace>/<name>"
  name: string
  namespace: string
  uid: string
  /** User labels plus the controller labels Kubernetes adds (pod-template-hash, ...). */
  labels: Record<string, string>
  owner?: UidRef
  containerPorts: Array<{ name?: string, port: number, protocol: Protocol }>
  hostname?: string
  subdomain?: string
  hostNetwork: boolean
  ipv4: string
  ipv6: string
  /** Network namespace the pod's processes run in (the node namespace for hostNetwork pods). */
  netns: string
  /** Node-side veth name; undefined for hostNetwork pods. */
  hostVeth?: string
  /** True for the pod that runs the testbed's dnsmasq (kube-system/coredns). */
  isDns: boolean
}

export interface EndpointPort {
  name?: string
  port: number
  protocol: Protocol
}

export interface MaterializedEndpoint {
  podKey: string
  ipv4: string
  ipv6: string
  /** Aligned with the service's ports: targetPort resolved against this pod. */
  ports: EndpointPort[]
}

export interface MaterializedService {
  key: string
  name: string
  namespace: string
  uid: string
  headless: boolean
  /** undefined when headless. */
  clusterIPv4?: string
  clusterIPv6?: string
  selector: Record<string, string>
  ports: Array<{ name?: string, port: number, targetPort: number | string, protocol: Protocol }>
  endpoints: MaterializedEndpoint[]
}

export interface MaterializedExternal {
  name: string
  ipv4: string
  ipv6: string
  ports: number[]
  udpPorts: number[]
}

export interface Materialized {
  prefix: string
  plan: AddressPlan
  clusterDomain: string
  createdAt: string
  node: { name: string, uid: string, ipv4: string, ipv6: string, netns: string }
  dnsNetns: string
  internet: { netns: string, hostVeth: string }
  namespaces: Array<{ name: string, uid: string }>
  workloads: MaterializedWorkload[]
  pods: MaterializedPod[]
  services: MaterializedService[]
  externals: MaterializedExternal[]
  cnames: CnameSpec[]
}
