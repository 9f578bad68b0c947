/**
 * The declarative description of a testbed cluster: workloads, pods, services, external hosts and
 * extra DNS records. Addresses are never written here; `materialize` allocates them.
 */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'ReplicaSet'
export type PodOwnerKind = 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job'
export type Protocol = 'TCP' | 'UDP'

export interface OwnerRef<K extends string = WorkloadKind> {
  kind: K
  name: string
}

export interface WorkloadSpec {
  kind: WorkloadKind
  name: string
  namespace: string
  /** e.g. ReplicaSet -> Deployment, Job -> CronJob. */
  owner?: OwnerRef
  /** Selector / template labels; defaults to the user labels of the first pod it owns. */
  labels?: Record<string, string>
}

export interface ContainerPortSpec {
  name?: string
  port: number
  protocol?: Protocol
}

export interface PodSpec {
  name: string
  namespace: string
  labels?: Record<string, string>
  owner?: OwnerRef<PodOwnerKind>
  containerPorts?: ContainerPortSpec[]
  hostname?: string
  subdomain?: string
  /** Runs in the node namespace with the node's addresses. */
  hostNetwork?: boolean
  /** Fixed UID; otherwise derived from kind/namespace/name. */
  uid?: string
}

export interface ServicePortSpec {
  name?: string
  port: number
  /** A number, or the name of a container port of the selected pods. */
  targetPort: number | string
  protocol?: Protocol
}

export interface ServiceSpec {
  name: string
  namespace: string
  headless?: boolean
  selector: Record<string, string>
  ports: ServicePortSpec[]
}

export interface ExternalSpec {
  /** A DNS name outside the cluster, answered with an "internet" namespace address. */
  name: string
  /** TCP ports served by an echo server in the internet namespace. */
  ports?: number[]
  /** UDP ports served by the same echo server. */
  udpPorts?: number[]
}

export interface CnameSpec {
  alias: string
  target: string
}

export interface Scenario {
  workloads: WorkloadSpec[]
  pods: PodSpec[]
  services: ServiceSpec[]
  externals: ExternalSpec[]
  dnsExtras?: { cnames?: CnameSpec[] }
  /** Node name; defaults to "podmap-node-1". */
  nodeName?: string
}
