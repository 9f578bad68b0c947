/** The evaluator's table cases (test/mapper/policy/table-cases.ts) as judge cases: pods named `client` and `server`. */
import type { Endpoint } from '../../mapper/policy/endpoint.js'
import type { NetworkPolicy } from '../../src/contract/shadow.js'
import type { Port } from '../../src/contract/map.js'
import { NS_LABELS } from '../mapper/policy/table-cases.js'
import type { GenCase, GenPod, Protocol } from './policy-arbitraries.js'

export function tableCase (policies: NetworkPolicy[], client: Endpoint, server: Endpoint, port?: Port): GenCase {
  const pods: GenPod[] = []
  const who = (e: Endpoint, name: string): string => {
    if (e.kind === 'address') return e.ips[0] ?? ''
    pods.push({ name, namespace: e.namespace, labels: e.labels, ports: [...e.namedPorts].map(([n, p]) => ({ name: n, port: p, protocol: 'TCP' as Protocol })) })
    return `${e.namespace}/${name}`
  }
  const c = who(client, 'client')
  const s = who(server, 'server')
  const names = [...new Set([...pods.map((p) => p.namespace), ...policies.map((p) => p.metadata.namespace ?? 'default')])].sort()
  const namespaces = names.map((name) => {
    const ep = [client, server].find((e) => e.kind === 'pod' && e.namespace === name)
    const labels = ep?.kind === 'pod' ? ep.namespaceLabels : (NS_LABELS[name] ?? {})
    return { name, labels: Object.fromEntries(Object.entries(labels).filter(([k]) => k !== 'kubernetes.io/metadata.name')) }
  })
  return { namespaces, pods, policies, calls: [{ client: c, server: s, ...(port ? { port: port.port, protocol: port.protocol as Protocol } : { protocol: 'TCP' as Protocol }) }] }
}
