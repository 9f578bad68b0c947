/** What exports need to know that the map does not carry; the mapper implements it from ClusterIndex. */
import type { Identity, Port } from '../../src/contract/map.js'

export interface ClusterDns { namespace: string, podLabels: Record<string, string>, ports: Port[] }

export interface ExportLookup {
  /** The workload's stable pod labels (see stable-labels.ts); undefined when none of its pods is known. */
  podLabels: (id: Identity) => Record<string, string> | undefined
  /** Where the cluster DNS runs, to allow DNS in egress policies. */
  clusterDns: () => ClusterDns
  /** A node's addresses (a Node peer is an ipBlock). */
  nodeAddresses: (name: string) => string[]
  /**
   * Why an address of an External peer must not be allowed although it is no fixed special address:
   * the cluster's own pod and Service ranges, pods, nodes (export/external-peers.ts); none when omitted.
   */
  addressReason?: (ip: string) => string | undefined
}

export const DEFAULT_CLUSTER_DNS: ClusterDns = {
  namespace: 'kube-system',
  podLabels: { 'k8s-app': 'kube-dns' },
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'podmap' }
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'
/** JSON object cidr -> FQDN on policies whose ipBlocks stand for external names. */
export const FQDN_ANNOTATION = 'podmap.io/ipblock-fqdns'
/** Peers podmap could not narrow to pods (their labels are unknown): listed so a person looks. */
export const BROAD_ANNOTATION = 'podmap.io/broad-peers'
/** External names seen without any address: a NetworkPolicy cannot allow them by name. */
export const UNRESOLVED_ANNOTATION = 'podmap.io/external-names-without-addresses'

/** Servers and clients that a policy can select: workloads with pods, not External, Node or a bare Service. */
export function isPodWorkload (id: Identity): boolean {
  return id.kind !== 'External' && id.kind !== 'Node' && id.kind !== 'Service' && id.namespace !== undefined
}
