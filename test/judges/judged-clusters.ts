/**
 * The clusters whose exports are judged, as the mapper's informers would see them (the testbed's
 * materialize + toKubeObjects: namespaces, workloads with owner chains, pods with controller labels,
 * IPs and container ports, Services, EndpointSlices, the Node, CoreDNS) and the map podmap made of
 * them: the e2e shop and protocols maps exactly as test/e2e asserts them, and a larger cluster of
 * 40 workloads in 8 namespaces with the shapes real maps have (replicas, a canary beside its stable
 * Deployment, StatefulSets, CronJobs and a Job, hostNetwork DaemonSets, UDP, calls from a node and
 * from the internet, names resolved but never called).
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import { addressPlan } from '../testbed/address-plan.js'
import { materialize } from '../testbed/materialize.js'
import type { Materialized } from '../testbed/materialized.js'
import { toKubeObjects, type KubeObject } from '../testbed/kube-objects.js'
import type { Scenario, WorkloadKind } from '../testbed/scenario.js'
import { protocolsScenario, shopScenario } from '../testbed/scenarios.js'

export interface JudgedCluster { name: string, m: Materialized, objects: KubeObject[], edges: Edge[] }

const T = '2026-11-26T12:00:00.000Z'

function cluster (name: string, scenario: Scenario, edges: (m: Materialized) => Edge[]): JudgedCluster {
  const m = materialize(scenario, { prefix: 'pmjd', plan: addressPlan(15), createdAt: '2026-11-26T11:00:00Z' })
  return { name, m, objects: toKubeObjects(m), edges: edges(m) }
}

const id = (kind: string, namespace: string, name: string, service?: string): Identity => ({ kind, namespace, name, ...(service ? { service } : {}) })
const ext = (name: string): Identity => ({ kind: 'External', name })
const tcp = (port: number) => ({ port, protocol: 'TCP' as const })
const udp = (port: number) => ({ port, protocol: 'UDP' as const })

function edge (client: Identity, server: Identity, ports: Edge['ports'], evidence: Edge['evidence'], addresses?: string[]): Edge {
  return { client, server, ports, evidence, ...(addresses ? { addresses } : {}), firstSeen: T, lastSeen: T }
}

function externalIps (m: Materialized, name: string): string[] {
  const e = m.externals.find((x) => x.name === name)
  if (!e) throw new Error(`no external ${name}`)
  return [e.ipv4, e.ipv6]
}

export function shopCluster (): JudgedCluster {
  return cluster('shop', shopScenario, (m) => [
    edge(id('Deployment', 'shop', 'checkout'), id('Deployment', 'shop', 'orders', 'orders'), [tcp(8080)], ['dns', 'tcp']),
    edge(id('CronJob', 'batch', 'nightly'), id('StatefulSet', 'db', 'ledger', 'ledger'), [tcp(5432)], ['dns', 'tcp']),
    edge(id('Deployment', 'shop', 'checkout'), ext('api.partner.example'), [tcp(443)], ['dns', 'tcp'], externalIps(m, 'api.partner.example'))
  ])
}

export function protocolsCluster (): JudgedCluster {
  return cluster('protocols', protocolsScenario, (m) => [
    edge(id('CronJob', 'batch', 'nightly'), id('Deployment', 'shop', 'orders', 'orders'), [tcp(8080)], ['dns', 'tcp']),
    edge(id('Deployment', 'shop', 'checkout'), id('Deployment', 'shop', 'orders'), [udp(9000)], ['udp']),
    edge(id('Deployment', 'shop', 'checkout'), id('StatefulSet', 'db', 'ledger'), [tcp(7000)], ['tcp']),
    // DNS over TCP: the name was resolved, no connection to it was seen.
    edge(id('CronJob', 'batch', 'nightly'), ext('api.partner.example'), [], ['dns'], [externalIps(m, 'api.partner.example')[0] as string]),
    edge(id('DaemonSet', 'kube-system', 'agent'), id('Deployment', 'shop', 'orders', 'orders'), [tcp(8080)], ['tcp'])
  ])
}

interface W { ns: string, name: string, kind?: WorkloadKind, labels?: Record<string, string>, replicas?: number, ports?: Array<{ name?: string, port: number, protocol?: 'TCP' | 'UDP' }>, hostNetwork?: boolean }

const LARGE: W[] = [
  { ns: 'web', name: 'frontend', replicas: 2, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'web', name: 'frontend-canary', labels: { app: 'frontend', track: 'canary' }, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'web', name: 'assets', ports: [{ name: 'http', port: 80 }] },
  { ns: 'web', name: 'admin', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'api', name: 'gateway', replicas: 2, ports: [{ name: 'https', port: 8443 }] },
  { ns: 'api', name: 'users', replicas: 2, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'api', name: 'orders', replicas: 2, ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }] },
  { ns: 'api', name: 'search', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'api', name: 'auth', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'api', name: 'notifier' },
  { ns: 'api', name: 'cache', ports: [{ name: 'redis', port: 6379 }] },
  { ns: 'payments', name: 'ledger', kind: 'StatefulSet', replicas: 2, ports: [{ name: 'postgres', port: 5432 }] },
  { ns: 'payments', name: 'processor', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'payments', name: 'fraud', ports: [{ name: 'grpc', port: 7000 }] },
  { ns: 'payments', name: 'refunds' },
  { ns: 'payments', name: 'payouts' },
  { ns: 'catalog', name: 'products', replicas: 2, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'catalog', name: 'inventory', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'catalog', name: 'pricing', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'catalog', name: 'images', ports: [{ name: 'http', port: 80 }] },
  { ns: 'catalog', name: 'reviews', ports: [{ name: 'http', port: 8080 }] },
  { ns: 'catalog', name: 'cache', ports: [{ name: 'redis', port: 6379 }] },
  { ns: 'data', name: 'postgres', kind: 'StatefulSet', ports: [{ name: 'postgres', port: 5432 }] },
  { ns: 'data', name: 'redis', kind: 'StatefulSet', ports: [{ name: 'redis', port: 6379 }] },
  { ns: 'data', name: 'kafka', kind: 'StatefulSet', replicas: 2, ports: [{ name: 'kafka', port: 9092 }] },
  { ns: 'data', name: 'es', kind: 'StatefulSet', ports: [{ name: 'http', port: 9200 }] },
  { ns: 'data', name: 'minio', kind: 'StatefulSet', ports: [{ name: 'api', port: 9000 }] },
  { ns: 'batch', name: 'nightly', kind: 'CronJob' },
  { ns: 'batch', name: 'report', kind: 'CronJob' },
  { ns: 'batch', name: 'backup', kind: 'CronJob' },
  { ns: 'batch', name: 'reindex', kind: 'Job' },
  { ns: 'ops', name: 'prometheus', ports: [{ name: 'http', port: 9090 }] },
  { ns: 'ops', name: 'grafana', ports: [{ name: 'http', port: 3000 }] },
  { ns: 'ops', name: 'alertmanager', ports: [{ name: 'http', port: 9093 }] },
  { ns: 'ops', name: 'statsd', ports: [{ name: 'statsd', port: 8125, protocol: 'UDP' }] },
  { ns: 'ops', name: 'node-exporter', kind: 'DaemonSet', hostNetwork: true, ports: [{ name: 'metrics', port: 9100 }] },
  { ns: 'ops', name: 'log-shipper', kind: 'DaemonSet', hostNetwork: true },
  { ns: 'ops', name: 'fluentd', kind: 'DaemonSet', ports: [{ name: 'forward', port: 24224 }] },
  { ns: 'ops', name: 'idle', ports: [{ name: 'http', port: 8080 }] }
]

function largeScenario (): Scenario {
  const s: Scenario = { workloads: [], pods: [], services: [], externals: [{ name: 'api.stripe.example', ports: [443] }, { name: 'bank.example', ports: [443] }, { name: 's3.backup.example', ports: [443] }, { name: 'mail.example' }] }
  for (const w of LARGE) {
    const kind = w.kind ?? 'Deployment'
    const labels = w.labels ?? { app: w.name }
    const containerPorts = (w.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' as const }))
    const pod = (name: string, owner: { kind: 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job', name: string }): void => {
      s.pods.push({ name, namespace: w.ns, labels, owner, containerPorts, ...(w.hostNetwork ? { hostNetwork: true } : {}) })
    }
    const n = w.replicas ?? 1
    if (kind === 'Deployment') {
      const rs = `${w.name}-6b7c8d9f4${w.name.length % 10}`
      s.workloads.push({ kind, name: w.name, namespace: w.ns, labels }, { kind: 'ReplicaSet', name: rs, namespace: w.ns, owner: { kind: 'Deployment', name: w.name }, labels })
      for (let i = 0; i < n; i++) pod(`${rs}-x${i}k${w.name.length % 7}q`, { kind: 'ReplicaSet', name: rs })
    } else if (kind === 'CronJob') {
      const job = `${w.name}-29000000`
      s.workloads.push({ kind, name: w.name, namespace: w.ns, labels }, { kind: 'Job', name: job, namespace: w.ns, owner: { kind: 'CronJob', name: w.name }, labels })
      pod(`${job}-r4t2w`, { kind: 'Job', name: job })
    } else if (kind === 'Job') {
      s.workloads.push({ kind, name: w.name, namespace: w.ns, labels })
      pod(`${w.name}-m8n2p`, { kind: 'Job', name: w.name })
    } else {
      s.workloads.push({ kind, name: w.name, namespace: w.ns, labels })
      for (let i = 0; i < n; i++) pod(kind === 'StatefulSet' ? `${w.name}-${i}` : `${w.name}-h${i}z9v`, { kind: kind as 'StatefulSet' | 'DaemonSet', name: w.name })
    }
    if (w.ports && !w.hostNetwork) s.services.push({ name: w.name, namespace: w.ns, selector: labels, ports: w.ports.map((p) => ({ name: p.name, port: p.port === 8080 ? 80 : p.port, targetPort: p.name ?? p.port, protocol: p.protocol ?? 'TCP' })) })
  }
  return s
}

const KIND = new Map(LARGE.map((w) => [`${w.ns}/${w.name}`, w.kind ?? 'Deployment']))

export function largeCluster (): JudgedCluster {
  return cluster('large', largeScenario(), (m) => {
    const w = (key: string, viaService = true): Identity => {
      const [ns = '', name = ''] = key.split('/')
      const kind = KIND.get(key)
      if (!kind) throw new Error(`no workload ${key}`)
      const hasService = (LARGE.find((x) => x.ns === ns && x.name === name)?.ports ?? []).length > 0
      return id(kind, ns, name, viaService && hasService ? name : undefined)
    }
    const calls: Array<[string, string, Edge['ports']]> = [
      ['web/frontend', 'api/gateway', [tcp(8443)]], ['web/frontend', 'web/assets', [tcp(80)]], ['web/admin', 'api/gateway', [tcp(8443)]],
      ['web/frontend-canary', 'api/gateway', [tcp(8443)]],
      ['api/gateway', 'api/users', [tcp(8080)]], ['api/gateway', 'api/orders', [tcp(8080)]], ['api/gateway', 'api/search', [tcp(8080)]], ['api/gateway', 'api/auth', [tcp(8080)]],
      ['api/orders', 'payments/processor', [tcp(8080)]], ['api/orders', 'catalog/inventory', [tcp(8080)]], ['api/orders', 'catalog/pricing', [tcp(8080)]],
      ['api/orders', 'data/postgres', [tcp(5432)]], ['api/orders', 'data/kafka', [tcp(9092)]], ['api/orders', 'api/cache', [tcp(6379)]], ['api/orders', 'ops/statsd', [udp(8125)]],
      ['api/users', 'data/postgres', [tcp(5432)]], ['api/users', 'api/cache', [tcp(6379)]], ['api/users', 'api/auth', [tcp(8080)]], ['api/users', 'ops/statsd', [udp(8125)]],
      ['api/search', 'data/es', [tcp(9200)]],
      ['payments/processor', 'payments/ledger', [tcp(5432)]], ['payments/processor', 'payments/fraud', [tcp(7000)]],
      ['payments/refunds', 'payments/ledger', [tcp(5432)]], ['payments/payouts', 'payments/ledger', [tcp(5432)]],
      ['catalog/products', 'data/postgres', [tcp(5432)]], ['catalog/products', 'catalog/images', [tcp(80)]], ['catalog/products', 'catalog/cache', [tcp(6379)]],
      ['catalog/inventory', 'data/postgres', [tcp(5432)]], ['catalog/pricing', 'data/redis', [tcp(6379)]], ['catalog/reviews', 'data/postgres', [tcp(5432)]],
      ['batch/nightly', 'payments/ledger', [tcp(5432)]], ['batch/nightly', 'data/minio', [tcp(9000)]], ['batch/report', 'data/es', [tcp(9200)]],
      ['batch/reindex', 'data/es', [tcp(9200)]], ['batch/reindex', 'data/kafka', [tcp(9092)]], ['batch/backup', 'data/postgres', [tcp(5432)]], ['batch/backup', 'data/minio', [tcp(9000)]],
      ['ops/prometheus', 'api/orders', [tcp(9090)]], ['ops/prometheus', 'ops/alertmanager', [tcp(9093)]], ['ops/grafana', 'ops/prometheus', [tcp(9090)]],
      ['ops/fluentd', 'data/es', [tcp(9200)]], ['ops/log-shipper', 'data/kafka', [tcp(9092)]]
    ]
    const edges = calls.map(([c, s, ports]) => edge(w(c), w(s), ports, ['dns', 'tcp']))
    const node = m.node
    edges.push(
      // Scrapes of a hostNetwork exporter reach the node's address.
      edge(w('ops/prometheus'), w('ops/node-exporter', false), [tcp(9100)], ['tcp']),
      // The kubelet's probes: a Node client.
      edge({ kind: 'Node', name: node.name }, w('web/frontend', false), [tcp(8080)], ['tcp']),
      // The internet calling the gateway.
      edge(ext('198.51.100.77'), w('api/gateway', false), [tcp(8443)], ['tcp']),
      edge(w('payments/processor'), ext('api.stripe.example'), [tcp(443)], ['dns', 'tcp'], externalIps(m, 'api.stripe.example')),
      edge(w('payments/payouts'), ext('bank.example'), [tcp(443)], ['dns', 'tcp'], externalIps(m, 'bank.example')),
      edge(w('batch/backup'), ext('s3.backup.example'), [tcp(443)], ['dns', 'tcp'], externalIps(m, 's3.backup.example')),
      // Names resolved, never called: no port was seen.
      edge(w('api/notifier'), ext('mail.example'), [], ['dns'], externalIps(m, 'mail.example')),
      edge(w('web/frontend'), w('api/users'), [], ['dns'])
    )
    return edges
  })
}

export function judgedClusters (): JudgedCluster[] {
  return [shopCluster(), protocolsCluster(), largeCluster()]
}
