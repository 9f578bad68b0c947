/**
 * Otterize ClientIntents (k8s.otterize.com/v2beta1), one per client workload: a call through a
 * Service is a `service` target, one straight to a workload a `kubernetes` target (`name.namespace`
 * across namespaces), and external names `internet` targets (domains sharing the same ports merged).
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { KubeObjectOut } from '../../src/contract/export.js'
import { MANAGED_BY, isPodWorkload } from './lookup.js'
import { groupBy } from './group-edges.js'

export type IntentTarget =
  | { kubernetes: { name: string, kind: string } }
  | { service: { name: string } }
  | { internet: { domains: string[], ports?: number[] } }

function qualified (name: string, ns: string | undefined, clientNs: string): string {
  return ns && ns !== clientNs ? `${name}.${ns}` : name
}

function targetsOf (client: Identity, edges: Edge[]): IntentTarget[] {
  const cluster: IntentTarget[] = []
  const internet = new Map<string, { domains: string[], ports: number[] }>()
  const ns = client.namespace ?? ''
  for (const e of edges) {
    const s = e.server
    if (s.kind === 'External') {
      const ports = [...new Set(e.ports.map((p) => p.port))].sort((a, b) => a - b)
      const key = ports.join(',')
      const g = internet.get(key) ?? { domains: [], ports }
      g.domains.push(s.name)
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
  const net = [...internet.values()].map((g) => ({ internet: { domains: [...new Set(g.domains)].sort(), ...(g.ports.length > 0 ? { ports: g.ports } : {}) } }))
    .sort((a, b) => (a.internet.domains[0] ?? '').localeCompare(b.internet.domains[0] ?? ''))
  return [...unique, ...net]
}

export function toClientIntents (edges: Edge[]): KubeObjectOut[] {
  const out: KubeObjectOut[] = []
  for (const { id, edges: outgoing } of groupBy(edges, 'client')) {
    if (!isPodWorkload(id) || !id.namespace) continue
    out.push({
      apiVersion: 'k8s.otterize.com/v2beta1',
      kind: 'ClientIntents',
      metadata: { name: id.name, namespace: id.namespace, labels: { ...MANAGED_BY } },
      spec: { workload: { name: id.name, kind: id.kind }, targets: targetsOf(id, outgoing) }
    })
  }
  return out
}
