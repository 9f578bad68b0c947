/**
 * Otterize ClientIntents (k8s.otterize.com/v2beta1), one per client workload: a call through a
 * Service is a `service` target, one straight to a workload a `kubernetes` target (`name.namespace`
 * across namespaces), and external names `internet` targets (domains sharing the same ports merged;
 * an external server known only by its address goes to `ips`). Only hostnames become `domains` and
 * only addresses that are neither special nor the cluster's own become `ips` (external-peers.ts);
 * what is left out is said in the object's annotations.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { KubeObjectOut } from '../../src/contract/export.js'
import { MANAGED_BY, isPodWorkload, type ExportLookup } from './lookup.js'
import { groupBy, uniqueNames } from './group-edges.js'
import { droppedAnnotations, externalTarget, noneDropped, type Dropped } from './external-peers.js'

export type IntentTarget =
  | { kubernetes: { name: string, kind: string } }
  | { service: { name: string } }
  | { internet: { domains?: string[], ips?: string[], ports?: number[] } }

function qualified (name: string, ns: string | undefined, clientNs: string): string {
  return ns && ns !== clientNs ? `${name}.${ns}` : name
}

function targetsOf (client: Identity, edges: Edge[], lookup: ExportLookup, dropped: Dropped): IntentTarget[] {
  const cluster: IntentTarget[] = []
  const internet = new Map<string, { domains: string[], ips: string[], ports: number[] }>()
  const ns = client.namespace ?? ''
  for (const e of edges) {
    const s = e.server
    if (s.kind === 'External') {
      const target = externalTarget(s, lookup, dropped)
      if (!target) continue
      const ports = [...new Set(e.ports.map((p) => p.port))].sort((a, b) => a - b)
      const key = ports.join(',')
      const g = internet.get(key) ?? { domains: [], ips: [], ports }
      if ('fqdn' in target) g.domains.push(target.fqdn)
      else g.ips.push(target.cidr.replace(/\/(32|128)$/, ''))
      internet.set(key, g)
    } else if (s.service) {
      cluster.push({ service: { name: qualified(s.service, s.namespace, ns) } })
    } else if (s.kind === 'Service') {
      cluster.push({ service: { name: qualified(s.name, s.namespace, ns) } })
    } else if (s.kind !== 'Node') {
      cluster.push({ kubernetes: { name: qualified(s.name, s.namespace, ns), kind: s.kind } })
    }
  }
  const key = (t: IntentTarget): string => JSON.stringify(t)
  const unique = [...new Map(cluster.map((t) => [key(t), t])).values()].sort((a, b) => key(a).localeCompare(key(b)))
  const net = [...internet.values()].map((g) => ({
    internet: {
      ...(g.domains.length > 0 ? { domains: [...new Set(g.domains)].sort() } : {}),
      ...(g.ips.length > 0 ? { ips: [...new Set(g.ips)].sort() } : {}),
      ...(g.ports.length > 0 ? { ports: g.ports } : {})
    }
  })).sort((a, b) => (a.internet.domains?.[0] ?? a.internet.ips?.[0] ?? '').localeCompare(b.internet.domains?.[0] ?? b.internet.ips?.[0] ?? ''))
  return [...unique, ...net]
}

export function toClientIntents (edges: Edge[], lookup: ExportLookup): KubeObjectOut[] {
  const out: KubeObjectOut[] = []
  for (const { id, edges: outgoing } of groupBy(edges, 'client')) {
    if (!isPodWorkload(id) || !id.namespace) continue
    const dropped = noneDropped()
    const targets = targetsOf(id, outgoing, lookup, dropped)
    const annotations = droppedAnnotations(dropped)
    out.push({
      apiVersion: 'k8s.otterize.com/v2beta1',
      kind: 'ClientIntents',
      metadata: { name: id.name, namespace: id.namespace, labels: { ...MANAGED_BY }, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
      spec: { workload: { name: id.name, kind: id.kind }, targets }
    })
  }
  // Two workloads of one name (a Deployment and a StatefulSet, or an annotated `Workload`) get two
  // objects: the first in key order (owner kinds before `Workload`) keeps the plain name.
  return uniqueNames(out)
}
