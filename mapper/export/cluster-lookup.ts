/** ExportLookup from the informer-fed ClusterIndex. */
import type { Identity, Port } from '../../src/contract/map.js'
import type { ClusterIndex } from '../kube/cluster-index.js'
import type { AddressCheck } from '../resolve/cluster-addresses.js'
import { DEFAULT_CLUSTER_DNS, type ClusterDns, type ExportLookup } from './lookup.js'
import { stableLabels } from './stable-labels.js'

export function clusterLookup (index: ClusterIndex, checkAddress?: AddressCheck, dnsService = { namespace: 'kube-system', name: 'kube-dns' }): ExportLookup {
  const podLabels = (id: Identity): Record<string, string> | undefined => stableLabels(index.workloads.workloadPods(id))
  return {
    podLabels,
    nodeAddresses: (name) => index.nodeAddressesOf(name),
    addressReason: checkAddress && ((ip) => checkAddress(ip, Date.now())),
    hostNetworkAddresses (id) {
      const pods = index.workloads.workloadPods(id)
      if (pods.length === 0 || !pods.every((p) => p.hostNetwork)) return undefined
      return [...new Set(pods.flatMap((p) => p.ips))].sort()
    },
    neighbours (id) {
      const byWorkload = new Map<string, { id: Identity, pods: Array<Record<string, string>> }>()
      const own: Array<Record<string, string>> = []
      for (const pod of index.pods.values()) {
        if (pod.namespace !== id.namespace) continue
        const w = index.workloads.workloadOf(pod)
        if (w.kind === id.kind && w.name === id.name) { own.push(pod.labels); continue }
        const key = `${w.kind}/${w.name}`
        const entry = byWorkload.get(key) ?? { id: { kind: w.kind, namespace: pod.namespace, name: w.name }, pods: [] }
        entry.pods.push(pod.labels)
        byWorkload.set(key, entry)
      }
      return { own, others: [...byWorkload.values()] }
    },
    clusterDns (): ClusterDns {
      const svc = index.service(dnsService.namespace, dnsService.name)
      if (!svc) return DEFAULT_CLUSTER_DNS
      const { workload, pod } = index.workloads.serviceWorkload(svc)
      const labels = workload.kind === 'Service' ? undefined : podLabels(workload)
      if (!labels || Object.keys(labels).length === 0) return DEFAULT_CLUSTER_DNS
      const ports: Port[] = []
      for (const p of svc.ports) {
        const target = typeof p.targetPort === 'number' ? p.targetPort : pod?.namedPorts.get(p.targetPort)
        if (target !== undefined && !ports.some((x) => x.port === target && x.protocol === p.protocol)) ports.push({ port: target, protocol: p.protocol })
      }
      return { namespace: svc.namespace, podLabels: labels, ports: ports.length > 0 ? ports : DEFAULT_CLUSTER_DNS.ports }
    }
  }
}
