/** What the cluster tells a node agent (written as JSON, read once at start). */
import { readFileSync } from 'node:fs'

export interface AgentConfig {
  nodeName: string
  /** The node's network namespace (named, in /run/netns); the agent runs inside it. */
  nodeNetns: string
  /** Pod network namespaces are named <podNetnsPrefix><pod uid's first 12 hex digits>. */
  podNetnsPrefix: string
  /** Pod veths on the node side are named <vethPrefix><index>. */
  vethPrefix: string
  ipv4: string
  ipv6: string
  podCidr4: string
  podCidr6: string
  gateway4: string
  gateway6: string
  /** The pod addresses of the podCIDR, in allocation order (lowest free first, reused after deletion). */
  podIPv4s: string[]
  podIPv6s: string[]
  /** Every range a pod gets a route to (cluster, services, LAN, internet), per family. */
  podRoutes4: string[]
  podRoutes6: string[]
  /** Traffic from pods to these leaves the node masqueraded (the control-plane host has no route back to pods). */
  masqueradeTo4: string[]
  clusterDns: string[]
  /** The `kubernetes` Service's ClusterIP, given to containers as KUBERNETES_SERVICE_HOST. */
  kubernetesServiceHost: string
  clusterDomain: string
  server: string
  ca: string
  kubelet: { cert: string, key: string }
  kubeletServing: { cert: string, key: string }
  kubeProxy: { cert: string, key: string }
  kubeletPort: number
  /** Where pods' logs and files go. */
  dir: string
  /** cgroup v2 folder that holds this node's kubepods tree. */
  cgroupRoot: string
  kubeletVersion: string
  /**
   * JSON file, read at each container start: image name (without registry or tag) -> the argv that
   * stands for that image's entrypoint on this machine; a container without a `command` runs it
   * with its `args`. An image not listed and no command: the container waits in ErrImagePull.
   */
  imagesFile?: string
}

export function readAgentConfig (path: string): AgentConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as AgentConfig
}
