/**
 * The Prometheus scrape configuration that a rendered chart describes, written as Prometheus itself
 * would run it:
 *  - the `prometheus.io/scrape`, `/port` and `/path` annotations drive the two annotation jobs most
 *    Prometheus set-ups run (the Prometheus example configuration and the prometheus community
 *    chart): `kubernetes-pods` (role pod) and `kubernetes-service-endpoints` (role endpoints), each
 *    scraping `<pod address>:<annotated port><annotated path>` of what carries the annotations;
 *  - each ServiceMonitor becomes the job prometheus-operator generates from it: role endpoints in
 *    its namespaceSelector, kept by the selected Service's labels and the endpoint's port name, with
 *    the endpoint's interval, timeout, path and relabelings.
 * `promtool check config` then judges the result, and `promtool check service-discovery` runs the
 * relabeling on what discovery would find (kube-discovery.ts).
 */
import type { KubeDoc } from '../helm/helm-cli.js'

type Relabel = Record<string, unknown>
export interface ScrapeJob {
  job_name: string
  kubernetes_sd_configs?: Array<{ role: 'pod' | 'endpoints', namespaces: { names: string[] } }>
  file_sd_configs?: Array<{ files: string[] }>
  metrics_path?: string
  scrape_interval?: string
  scrape_timeout?: string
  relabel_configs: Relabel[]
}

/** Prometheus' meta-label spelling of a Kubernetes label or annotation name. */
export const metaName = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_')

const regexQuote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

interface ServiceMonitorSpec {
  namespaceSelector?: { matchNames?: string[] }
  selector: { matchLabels?: Record<string, string> }
  endpoints: Array<{ port?: string, path?: string, interval?: string, scrapeTimeout?: string, relabelings?: Array<{ sourceLabels?: string[], targetLabel?: string, regex?: string, replacement?: string, action?: string, separator?: string }> }>
}

/** The two annotation-driven jobs, over `namespaces`. */
export function annotationJobs (namespaces: string[]): ScrapeJob[] {
  return (['pod', 'endpoints'] as const).map((role) => {
    const meta = role === 'pod' ? '__meta_kubernetes_pod' : '__meta_kubernetes_service'
    const ann = (a: string): string => `${meta}_annotation_${metaName(a)}`
    return {
      job_name: role === 'pod' ? 'kubernetes-pods' : 'kubernetes-service-endpoints',
      kubernetes_sd_configs: [{ role, namespaces: { names: namespaces } }],
      relabel_configs: [
        { action: 'keep', source_labels: [ann('prometheus.io/scrape')], regex: 'true' },
        { action: 'replace', source_labels: [ann('prometheus.io/path')], regex: '(.+)', target_label: '__metrics_path__' },
        { action: 'replace', source_labels: ['__address__', ann('prometheus.io/port')], regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: '__address__' },
        { action: 'labelmap', regex: `${meta}_label_(.+)` },
        { action: 'replace', source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { action: 'replace', source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        { action: 'replace', source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' }
      ]
    }
  })
}

/** The job prometheus-operator generates from each endpoint of each rendered ServiceMonitor. */
export function serviceMonitorJobs (docs: KubeDoc[]): ScrapeJob[] {
  const jobs: ScrapeJob[] = []
  for (const d of docs) {
    if (d.kind !== 'ServiceMonitor') continue
    const ns = d.metadata.namespace ?? 'default'
    const sm = d.spec as ServiceMonitorSpec
    sm.endpoints.forEach((ep, i) => {
      jobs.push({
        job_name: `serviceMonitor/${ns}/${d.metadata.name}/${i}`,
        kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: sm.namespaceSelector?.matchNames ?? [ns] } }],
        ...(ep.path ? { metrics_path: ep.path } : {}),
        ...(ep.interval ? { scrape_interval: ep.interval } : {}),
        ...(ep.scrapeTimeout ? { scrape_timeout: ep.scrapeTimeout } : {}),
        relabel_configs: [
          ...Object.entries(sm.selector.matchLabels ?? {}).map(([k, v]) => ({ action: 'keep', source_labels: [`__meta_kubernetes_service_label_${metaName(k)}`], regex: regexQuote(v) })),
          ...(ep.port ? [{ action: 'keep', source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: regexQuote(ep.port) }] : []),
          { action: 'replace', source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { action: 'replace', source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
          { action: 'replace', source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          ...(ep.relabelings ?? []).map((r) => ({
            ...(r.action ? { action: r.action.toLowerCase() } : {}),
            ...(r.sourceLabels ? { source_labels: r.sourceLabels } : {}),
            ...(r.separator !== undefined ? { separator: r.separator } : {}),
            ...(r.targetLabel ? { target_label: r.targetLabel } : {}),
            ...(r.regex !== undefined ? { regex: r.regex } : {}),
            ...(r.replacement !== undefined ? { replacement: r.replacement } : {})
          }))
        ]
      })
    })
  }
  return jobs
}
