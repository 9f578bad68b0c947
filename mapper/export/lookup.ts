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
  /**
   * The addresses of a workload whose pods all run on the host network (their pod IPs are their
   * nodes'): on the wire such a pod is its node, no podSelector matches its traffic, so it is an
   * ipBlock peer and gets no policy of its own. Undefined for any other workload.
   */
  hostNetworkAddresses: (id: Identity) => string[] | undefined
  /** The labels of the workload's own pods, and every other workload of its namespace with its pods' labels (so a selector can leave them out). */
  neighbours: (id: Identity) => { own: Array<Record<string, string>>, others: Array<{ id: Identity, pods: Array<Record<string, string>> }> }
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
/** Workloads the exported selector selects too (their stable labels include the workload's): a person looks. */
export const SHARED_SELECTOR_ANNOTATION = 'podmap.io/shared-selector'
/** Calls seen without a port (a name resolved, no connection seen): not allowed, listed here. */
export const PORTLESS_ANNOTATION = 'podmap.io/calls-without-ports'
/** External names seen without any address: a NetworkPolicy cannot allow them by name. */
export const UNRESOLVED_ANNOTATION = 'podmap.io/external-names-without-addresses'

/** Servers and clients that a policy can select: workloads with pods, not External, Node or a bare Service. */
export function isPodWorkload (id: Identity): boolean {
  return id.kind !== 'External' && id.kind !== 'Node' && id.kind !== 'Service' && id.namespace !== undefined
}
