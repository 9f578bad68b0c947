/**
 * What Prometheus' Kubernetes service discovery would hand to relabeling for the objects a chart
 * renders, as file_sd target groups: the rendered workloads run as pods (a Deployment's replicas; a
 * DaemonSet on two nodes, on the node's address when it uses the host network), and each role yields
 * the targets and `__meta_kubernetes_*` labels Prometheus documents for it (role pod: one target per
 * container port; role endpoints: one per Service port and selected pod, at the resolved target
 * port, with the pod's labels too).
 *
 * Why: Debian's prometheus is built without Kubernetes discovery (its promtool refuses
 * `kubernetes_sd_configs`), so the scrape jobs are checked with this stand-in for the discovery
 * step and everything after it (relabeling, paths, intervals) run by promtool itself. Addresses are
 * documentation ranges, only ever written to a file: nothing connects to them.
 */
import type { KubeDoc } from '../helm/helm-cli.js'
import { metaName } from './scrape-config.js'

export interface TargetGroup { targets: string[], labels: Record<string, string> }

interface Port { name?: string, containerPort: number, protocol?: string }
interface Pod { name: string, namespace: string, ip: string, node: string, hostIp: string, labels: Record<string, string>, annotations: Record<string, string>, containers: Array<{ name: string, ports: Port[] }>, controller: { kind: string, name: string } }
interface Workload { spec: { replicas?: number, template: { metadata?: { labels?: Record<string, string>, annotations?: Record<string, string> }, spec: { hostNetwork?: boolean, containers: Array<{ name: string, ports?: Port[] }> } } } }
interface Service { spec: { selector?: Record<string, string>, ports?: Array<{ name?: string, port: number, targetPort?: number | string, protocol?: string }> } }

const NODES = [{ name: 'node-a', ip: '198.51.100.11' }, { name: 'node-b', ip: '198.51.100.12' }]

/** The pods the rendered workloads would run. */
export function podsOf (docs: KubeDoc[]): Pod[] {
  const pods: Pod[] = []
  let next = 10
  for (const d of docs) {
    if (d.kind !== 'Deployment' && d.kind !== 'DaemonSet') continue
    const w = d as KubeDoc & Workload
    const t = w.spec.template
    const places = d.kind === 'DaemonSet' ? NODES : Array.from({ length: w.spec.replicas ?? 1 }, (_v, i) => NODES[i % NODES.length] as typeof NODES[number])
    places.forEach((node, i) => {
      pods.push({
        name: `${d.metadata.name}-${i}`,
        namespace: d.metadata.namespace ?? 'default',
        ip: t.spec.hostNetwork === true ? node.ip : `192.0.2.${next++}`,
        node: node.name,
        hostIp: node.ip,
        labels: t.metadata?.labels ?? {},
        annotations: t.metadata?.annotations ?? {},
        containers: t.spec.containers.map((c) => ({ name: c.name, ports: c.ports ?? [] })),
        controller: { kind: d.kind === 'Deployment' ? 'ReplicaSet' : 'DaemonSet', name: d.metadata.name }
      })
    })
  }
  return pods
}

function mapLabels (prefix: string, kind: 'label' | 'annotation', from: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(from)) {
    out[`${prefix}_${kind}_${metaName(k)}`] = v
    out[`${prefix}_${kind}present_${metaName(k)}`] = 'true'
  }
  return out
}

function podMeta (p: Pod): Record<string, string> {
  return {
    __meta_kubernetes_namespace: p.namespace,
    __meta_kubernetes_pod_name: p.name,
    __meta_kubernetes_pod_ip: p.ip,
    __meta_kubernetes_pod_node_name: p.node,
    __meta_kubernetes_pod_host_ip: p.hostIp,
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_controller_kind: p.controller.kind,
    __meta_kubernetes_pod_controller_name: p.controller.name,
    ...mapLabels('__meta_kubernetes_pod', 'label', p.labels),
    ...mapLabels('__meta_kubernetes_pod', 'annotation', p.annotations)
  }
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)

/** The target groups Kubernetes discovery would produce for `role` in `namespaces`. */
export function discover (docs: KubeDoc[], role: 'pod' | 'endpoints', namespaces: string[]): TargetGroup[] {
  const pods = podsOf(docs).filter((p) => namespaces.includes(p.namespace))
  const groups: TargetGroup[] = []
  if (role === 'pod') {
    for (const p of pods) {
      for (const c of p.containers) {
        if (c.ports.length === 0) groups.push({ targets: [p.ip], labels: { ...podMeta(p), __meta_kubernetes_pod_container_name: c.name } })
        for (const port of c.ports) {
          groups.push({
            targets: [`${p.ip}:${port.containerPort}`],
            labels: {
              ...podMeta(p),
              __meta_kubernetes_pod_container_name: c.name,
              __meta_kubernetes_pod_container_port_name: port.name ?? '',
              __meta_kubernetes_pod_container_port_number: String(port.containerPort),
              __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP'
            }
          })
        }
      }
    }
    return groups
  }
  for (const d of docs) {
    if (d.kind !== 'Service' || !namespaces.includes(d.metadata.namespace ?? 'default')) continue
    const svc = d as KubeDoc & Service
    for (const p of pods.filter((x) => x.namespace === (d.metadata.namespace ?? 'default') && selects(svc.spec.selector, x.labels))) {
      for (const sp of svc.spec.ports ?? []) {
        const containerPorts = p.containers.flatMap((c) => c.ports)
        const target = typeof sp.targetPort === 'string' ? containerPorts.find((cp) => cp.name === sp.targetPort)?.containerPort : (sp.targetPort ?? sp.port)
        if (target === undefined) continue // an unresolvable named port gets no endpoint
        groups.push({
          targets: [`${p.ip}:${target}`],
          labels: {
            ...podMeta(p),
            __meta_kubernetes_service_name: d.metadata.name,
            __meta_kubernetes_endpoints_name: d.metadata.name,
            ...mapLabels('__meta_kubernetes_service', 'label', d.metadata.labels ?? {}),
            ...mapLabels('__meta_kubernetes_service', 'annotation', d.metadata.annotations ?? {}),
            __meta_kubernetes_endpoint_port_name: sp.name ?? '',
            __meta_kubernetes_endpoint_port_protocol: sp.protocol ?? 'TCP',
            __meta_kubernetes_endpoint_ready: 'true',
            __meta_kubernetes_endpoint_address_target_kind: 'Pod',
            __meta_kubernetes_endpoint_address_target_name: p.name,
            __meta_kubernetes_endpoint_node_name: p.node
          }
        })
      }
    }
  }
  return groups
}
