/**
 * The Kubernetes objects of an installed mapper as the chart renders them (Service `podmap-mapper`
 * with the chart's labels and a named target port, its pod, its EndpointSlice), pointing at a mapper
 * that really listens on podIP:port, so the fake API server's port-forward reaches it.
 */
import type { KubeObj } from './fake-apiserver-store.js'

export interface MapperObjectsOptions {
  namespace?: string
  /** Service name; the chart's default release gives `podmap-mapper`. */
  service?: string
  podName?: string
  podIP: string
  port: number
  /** Pod Ready condition and EndpointSlice readiness (default true). */
  ready?: boolean
  /** Publish an EndpointSlice (default true); without it a client must use the Service selector. */
  endpointSlice?: boolean
}

export function mapperObjects (o: MapperObjectsOptions): KubeObj[] {
  const namespace = o.namespace ?? 'podmap'
  const service = o.service ?? 'podmap-mapper'
  const podName = o.podName ?? `${service}-6b7c9d8f5-q2w4e`
  const ready = o.ready ?? true
  const selector = { 'app.kubernetes.io/name': 'podmap', 'app.kubernetes.io/instance': 'podmap', 'app.kubernetes.io/component': 'mapper' }
  const labels = { ...selector, 'app.kubernetes.io/part-of': 'podmap', 'app.kubernetes.io/managed-by': 'Helm' }
  const objs: KubeObj[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: 9091, targetPort: 'http', protocol: 'TCP' }
        ]
      }
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, namespace, labels: { ...selector, 'pod-template-hash': '6b7c9d8f5' } },
      spec: { containers: [{ name: 'mapper', image: 'podmap-mapper:dev', ports: [{ name: 'http', containerPort: o.port, protocol: 'TCP' }] }] },
      status: {
        phase: 'Running',
        podIP: o.podIP,
        podIPs: [{ ip: o.podIP }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }]
      }
    }
  ]
  if (o.endpointSlice ?? true) {
    objs.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${service}-x7k2p`, namespace, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [o.podIP], conditions: { ready }, targetRef: { kind: 'Pod', namespace, name: podName } }],
      ports: [{ name: 'http', port: o.port, protocol: 'TCP' }, { name: 'metrics', port: o.port, protocol: 'TCP' }]
    })
  }
  return objs
}
