/**
 * Workload manifests as users write them, for `kubectl apply` in tests and the demo: the
 * container's command is a program of this repository run by Node (the node agent runs commands,
 * not images). Pure: objects and their YAML.
 */
import { stringify } from 'yaml'
import { fileURLToPath } from 'node:url'

export const PROGRAM = {
  tcpServer: fileURLToPath(new URL('../programs/tcp-server.mjs', import.meta.url)),
  client: fileURLToPath(new URL('../programs/client.mjs', import.meta.url)),
  shopService: fileURLToPath(new URL('../programs/shop-service.mjs', import.meta.url)),
  dnsQuery: fileURLToPath(new URL('../programs/dns-query.mjs', import.meta.url))
}

export type Obj = Record<string, unknown>

/** Node running a program of test/testbed/programs (or any argv when `program` is an absolute path list). */
export function nodeCommand (program: string, ...args: string[]): string[] {
  return [process.execPath, program, ...args]
}

/** A process that only waits, for pods that tests exec into. */
export const IDLE = [process.execPath, '-e', 'setInterval(() => {}, 1 << 30)']

export interface PodTemplate {
  labels: Record<string, string>
  command: string[]
  ports?: Array<{ name?: string, containerPort: number, protocol?: string }>
  hostNetwork?: boolean
  restartPolicy?: string
  readinessProbe?: Obj
  hostname?: string
  subdomain?: string
}

export function podSpec (t: PodTemplate): Obj {
  return {
    ...(t.hostNetwork === true ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(t.restartPolicy !== undefined ? { restartPolicy: t.restartPolicy } : {}),
    ...(t.hostname !== undefined ? { hostname: t.hostname } : {}),
    ...(t.subdomain !== undefined ? { subdomain: t.subdomain } : {}),
    terminationGracePeriodSeconds: 5,
    containers: [{
      name: 'main',
      image: 'podmap.local/testbed:node',
      command: t.command,
      ...(t.ports !== undefined ? { ports: t.ports } : {}),
      ...(t.readinessProbe !== undefined ? { readinessProbe: t.readinessProbe } : {})
    }]
  }
}

const meta = (name: string, namespace: string, labels?: Record<string, string>): Obj => ({ name, namespace, ...(labels !== undefined ? { labels } : {}) })

export const namespace = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })

export function deployment (name: string, ns: string, t: PodTemplate, replicas = 1): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, ns), spec: { replicas, selector: { matchLabels: t.labels }, template: { metadata: { labels: t.labels }, spec: podSpec(t) } } }
}

export function statefulSet (name: string, ns: string, serviceName: string, t: PodTemplate, replicas = 1): Obj {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(name, ns), spec: { replicas, serviceName, podManagementPolicy: 'Parallel', selector: { matchLabels: t.labels }, template: { metadata: { labels: t.labels }, spec: podSpec(t) } } }
}

export function daemonSet (name: string, ns: string, t: PodTemplate): Obj {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(name, ns), spec: { selector: { matchLabels: t.labels }, template: { metadata: { labels: t.labels }, spec: podSpec(t) } } }
}

export function cronJob (name: string, ns: string, schedule: string, t: PodTemplate): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(name, ns),
    spec: { schedule, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, jobTemplate: { spec: { backoffLimit: 0, template: { metadata: { labels: t.labels }, spec: podSpec({ restartPolicy: 'Never', ...t }) } } } }
  }
}

export function pod (name: string, ns: string, t: PodTemplate): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta(name, ns, t.labels), spec: podSpec(t) }
}

export interface ServicePort { name?: string, port: number, targetPort: number | string, protocol?: string }

export function service (name: string, ns: string, selector: Record<string, string>, ports: ServicePort[], opts: { headless?: boolean } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, ns),
    spec: {
      selector,
      ...(opts.headless === true ? { clusterIP: 'None' } : {}),
      ipFamilyPolicy: 'PreferDualStack',
      ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? 'TCP' }))
    }
  }
}

export function toYaml (objects: Obj[]): string {
  return objects.map((o) => stringify(o)).join('---\n')
}
