/**
 * `podmap export --format networkpolicy` judged by network-config-analyzer: the cluster's namespaces
 * and pods as manifests plus the exported policies go to nca, and its connectivity must
 *   - contain every observed call on its port (each pod of the client to each pod or address of the server), and
 *   - allow nothing else between the exported workloads' pods and the addresses around them (the
 *     addresses seen, the node, an unseen internet address), on any probed port and protocol,
 *     but DNS to the cluster DNS.
 * A hostNetwork pod is, on the wire, its node's address: nca (which has no notion of host
 * networking) gets no pod for it, and its calls are judged as calls from and to the node's address.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { NetworkPolicy } from '../../src/contract/shadow.js'
import { ClusterIndex } from '../../mapper/kube/cluster-index.js'
import { clusterLookup } from '../../mapper/export/cluster-lookup.js'
import { exportObjects } from '../../mapper/export/render-export.js'
import type { KubeObjectOut } from '../../src/contract/export.js'
import type { JudgedCluster } from './judged-clusters.js'
import type { Connectivity, NcaConfig } from './nca.js'

export interface ExportFinding { cluster: string, kind: 'missing' | 'beyond', src: string, dst: string, protocol: string, port: number, why: string }

interface Pod { key: string, namespace: string, name: string, labels: Record<string, string>, hostNetwork: boolean, ips: string[], ports: Array<{ name?: string, containerPort: number, protocol?: string }> }

const PROTOCOLS = ['TCP', 'UDP', 'SCTP']
const PROBE_PORTS = [1, 53, 80, 443, 3000, 5432, 6379, 7000, 8080, 8125, 8443, 9000, 9090, 9092, 9093, 9100, 9200, 24224, 65535]
const UNSEEN_INTERNET = '198.51.100.199'

export function indexOf (c: JudgedCluster): ClusterIndex {
  const index = new ClusterIndex()
  for (const o of c.objects) index.upsert(o.kind, o as never, Date.parse('2026-11-26T11:30:00Z'))
  return index
}

export function exportsOf (c: JudgedCluster, format: 'networkpolicy' | 'cilium' | 'intents', index = indexOf(c)): KubeObjectOut[] {
  return exportObjects(format, c.edges, clusterLookup(index))
}

function podsOf (c: JudgedCluster): Pod[] {
  return c.objects.filter((o) => o.kind === 'Pod').map((o) => {
    const meta = o.metadata as { name: string, namespace: string, labels?: Record<string, string> }
    const spec = o.spec as { hostNetwork?: boolean, containers?: Array<{ ports?: Pod['ports'] }> }
    const status = o.status as { podIPs?: Array<{ ip: string }>, podIP?: string }
    return {
      key: `${meta.namespace}/${meta.name}`,
      namespace: meta.namespace,
      name: meta.name,
      labels: meta.labels ?? {},
      hostNetwork: spec.hostNetwork === true,
      ips: (status.podIPs ?? []).map((x) => x.ip),
      ports: (spec.containers ?? []).flatMap((ct) => ct.ports ?? [])
    }
  })
}

/** The manifests nca reads: namespaces, the pods (hostNetwork ones are their node), the policies. */
export function ncaResources (c: JudgedCluster, policies: object[]): object[] {
  return [
    ...c.objects.filter((o) => o.kind === 'Namespace').map((o) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: (o.metadata as { name: string }).name, labels: (o.metadata as { labels?: object }).labels ?? {} } })),
    ...podsOf(c).filter((p) => !p.hostNetwork).map((p) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: p.labels }, spec: { containers: [{ name: 'main', image: 'judge', ports: p.ports }] } })),
    ...policies
  ]
}

export interface ExportJudged { config: NcaConfig, compare: (answers: Map<string, Connectivity>) => ExportFinding[], calls: number, probes: () => number, policies: NetworkPolicy[] }

export function judgeExport (c: JudgedCluster): ExportJudged {
  const index = indexOf(c)
  const policies = exportsOf(c, 'networkpolicy', index) as NetworkPolicy[]
  const pods = podsOf(c)
  const nodeIps = c.m.node ? [c.m.node.ipv4, c.m.node.ipv6] : []
  /** What an identity is on the wire: pods by name, hostNetwork pods and nodes by address, externals by address. */
  const sides = (id: Identity, e: Edge, role: 'client' | 'server'): string[] => {
    if (id.kind === 'External') return role === 'client' ? [id.name] : (e.addresses ?? [])
    if (id.kind === 'Node') return nodeIps
    const ps = index.workloads.workloadPods(id).map((p) => pods.find((x) => x.key === `${p.namespace}/${p.name}`)).filter((p): p is Pod => p !== undefined)
    return ps.flatMap((p) => p.hostNetwork ? nodeIps : [p.key])
  }
  const observed = new Set<string>()
  const calls: Array<{ src: string, dst: string, protocol: string, port: number, edge: Edge }> = []
  for (const e of c.edges) {
    for (const src of sides(e.client, e, 'client')) {
      for (const dst of sides(e.server, e, 'server')) {
        if (src === dst) continue
        for (const p of e.ports) { observed.add(`${src}>${dst}>${p.protocol}>${p.port}`); calls.push({ src, dst, protocol: p.protocol, port: p.port, edge: e }) }
      }
    }
  }
  const selectedPods = pods.filter((p) => !p.hostNetwork && policies.some((pol) => pol.metadata.namespace === p.namespace && Object.entries(pol.spec.podSelector.matchLabels ?? {}).every(([k, v]) => p.labels[k] === v)))
  const dnsPods = pods.filter((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns').map((p) => p.key)
  const addresses = [...new Set([...c.edges.flatMap((e) => [...(e.addresses ?? []), ...(e.client.kind === 'External' ? [e.client.name] : [])]), ...nodeIps, UNSEEN_INTERNET])]
  const probePorts = [...new Set([...PROBE_PORTS, ...c.edges.flatMap((e) => e.ports.map((p) => p.port))])]
  const name = `export/${c.name}`
  let probes = 0
  return {
    config: { name, resources: ncaResources(c, policies) },
    calls: calls.length,
    policies,
    probes: () => probes,
    compare (answers) {
      const a = answers.get(name)
      if (!a) throw new Error(`no nca answer for ${name}`)
      const out: ExportFinding[] = []
      for (const call of calls) {
        if (!a.allows(call.src, call.dst, call.protocol, call.port)) {
          out.push({ cluster: c.name, kind: 'missing', src: call.src, dst: call.dst, protocol: call.protocol, port: call.port, why: `observed ${call.edge.client.namespace ?? ''}/${call.edge.client.name} -> ${call.edge.server.namespace ?? ''}/${call.edge.server.name} is not allowed` })
        }
      }
      const mine = selectedPods.map((p) => p.key)
      const srcs = [...mine, ...addresses]
      const dsts = [...mine, ...dnsPods, ...addresses]
      for (const src of srcs) {
        for (const dst of dsts) {
          if (src === dst || (!mine.includes(src) && !mine.includes(dst))) continue
          for (const protocol of PROTOCOLS) {
            for (const port of probePorts) {
              probes++
              if (!a.allows(src, dst, protocol, port)) continue
              if (observed.has(`${src}>${dst}>${protocol}>${port}`)) continue
              if (dnsPods.includes(dst) && port === 53 && protocol !== 'SCTP' && mine.includes(src)) continue
              out.push({ cluster: c.name, kind: 'beyond', src, dst, protocol, port, why: 'allowed but never observed' })
            }
          }
        }
      }
      return out
    }
  }
}

/** Findings grouped by source and destination, for a readable failure message. */
export function summarize (findings: ExportFinding[]): string[] {
  const groups = new Map<string, string[]>()
  for (const f of findings) {
    const k = `${f.cluster} ${f.kind}: ${f.src} -> ${f.dst}`
    groups.set(k, [...(groups.get(k) ?? []), `${f.port}/${f.protocol}`])
  }
  return [...groups].map(([k, ports]) => `${k} on ${ports.length > 6 ? `${ports.slice(0, 6).join(', ')} and ${ports.length - 6} more` : ports.join(', ')}`)
}
