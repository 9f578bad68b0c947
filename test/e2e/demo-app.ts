/**
 * The demo's application, as a small online shop deploys it (`kubectl apply`), on the real control
 * plane: a frontend in `storefront` calls the catalog, cart and checkout services in `shop`;
 * checkout calls orders, payments and the cart; orders and the catalog use PostgreSQL (a
 * StatefulSet) and the catalog and cart a Redis cache in `data`; payments and orders call two
 * external APIs; in `ops` a node agent on every node (a DaemonSet) ships to a collector, and a
 * reports CronJob reads PostgreSQL every two minutes. Every service calls its dependencies every
 * few seconds (test/testbed/programs/shop-service.mjs), so the map keeps moving.
 *
 * Two NetworkPolicies deny two of those calls, for shadow mode to show (the testbed does not
 * enforce policies, so the calls still happen): PostgreSQL admits only the catalog and orders, so
 * the reports job is denied; the frontend's egress allows only the shop namespace and DNS, so its
 * direct session reads from Redis are denied.
 */
import { cronJob, daemonSet, deployment, namespace, nodeCommand, PROGRAM, service, statefulSet, toYaml, type Obj } from '../testbed/cluster/manifests.js'
import type { ExternalSpec } from '../testbed/scenario.js'

export const DEMO_NAMESPACES = ['storefront', 'shop', 'data', 'ops']
export const DEMO_EXTERNALS: ExternalSpec[] = [{ name: 'api.payments.example', ports: [443] }, { name: 'api.shipping.example', ports: [443] }]

interface Svc { name: string, ns: string, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob', port?: number, calls: string[] }

/** Who calls whom, as host:port the way each service names its dependencies. */
export const DEMO_SERVICES: Svc[] = [
  { name: 'frontend', ns: 'storefront', kind: 'Deployment', port: 8080, calls: ['catalog.shop:8080', 'cart.shop:8080', 'checkout.shop:8080', 'redis.data:6379'] },
  { name: 'catalog', ns: 'shop', kind: 'Deployment', port: 8080, calls: ['postgres.data:5432', 'redis.data:6379'] },
  { name: 'cart', ns: 'shop', kind: 'Deployment', port: 8080, calls: ['redis.data:6379'] },
  { name: 'checkout', ns: 'shop', kind: 'Deployment', port: 8080, calls: ['orders:8080', 'payments:8080', 'cart:8080'] },
  { name: 'orders', ns: 'shop', kind: 'Deployment', port: 8080, calls: ['postgres.data:5432', 'api.shipping.example:443'] },
  { name: 'payments', ns: 'shop', kind: 'Deployment', port: 8080, calls: ['api.payments.example:443'] },
  { name: 'postgres', ns: 'data', kind: 'StatefulSet', port: 5432, calls: [] },
  { name: 'redis', ns: 'data', kind: 'Deployment', port: 6379, calls: [] },
  { name: 'collector', ns: 'ops', kind: 'Deployment', port: 4317, calls: [] },
  { name: 'node-agent', ns: 'ops', kind: 'DaemonSet', calls: ['collector.ops:4317'] },
  { name: 'reports', ns: 'ops', kind: 'CronJob', calls: ['postgres.data:5432'] }
]

/** The calls the map must show, as `podmap list -o json` names them: client -> server port. */
export function demoCalls (): string[] {
  const byName = new Map(DEMO_SERVICES.map((s) => [`${s.name}.${s.ns}`, s]))
  const out: string[] = []
  for (const s of DEMO_SERVICES) {
    for (const c of s.calls) {
      const [host, port] = c.split(':') as [string, string]
      const [name, ns] = host.includes('.example') ? [host, undefined] : [host.split('.')[0] as string, host.split('.')[1] ?? s.ns]
      const server = ns === undefined ? `External ${name}` : `${byName.get(`${name}.${ns}`)?.kind ?? '?'} ${ns}/${name}`
      out.push(`${s.kind} ${s.ns}/${s.name} -> ${server} ${port}/TCP`)
    }
  }
  return out.sort()
}

/** The calls the demo's NetworkPolicies deny, and which policy does. */
export const DEMO_DENIED = [
  'CronJob ops/reports -> StatefulSet data/postgres 5432/TCP: ingress data/postgres-ingress',
  'Deployment storefront/frontend -> Deployment data/redis 6379/TCP: egress storefront/frontend-egress'
]

const ns = (name: string): Obj => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } })

export function demoObjects (): Obj[] {
  const objs: Obj[] = DEMO_NAMESPACES.map(namespace)
  for (const s of DEMO_SERVICES) {
    const t = {
      labels: { app: s.name },
      command: nodeCommand(PROGRAM.shopService, ...(s.port ? ['--listen', String(s.port)] : []), ...s.calls.flatMap((c) => ['--call', c]),
        ...(s.kind === 'CronJob' ? ['--once'] : ['--every', '4000'])),
      ...(s.port ? { ports: [{ name: 'tcp', containerPort: s.port }] } : {})
    }
    if (s.kind === 'Deployment') objs.push(deployment(s.name, s.ns, t))
    if (s.kind === 'StatefulSet') objs.push(statefulSet(s.name, s.ns, s.name, t))
    if (s.kind === 'DaemonSet') objs.push(daemonSet(s.name, s.ns, t))
    if (s.kind === 'CronJob') objs.push(cronJob(s.name, s.ns, '*/2 * * * *', t))
    if (s.port) objs.push(service(s.name, s.ns, { app: s.name }, [{ name: 'tcp', port: s.port, targetPort: s.port }], { headless: s.kind === 'StatefulSet' }))
  }
  objs.push({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'postgres-ingress', namespace: 'data' },
    spec: {
      podSelector: { matchLabels: { app: 'postgres' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ ...ns('shop'), podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['catalog', 'orders'] }] } }], ports: [{ protocol: 'TCP', port: 5432 }] }]
    }
  }, {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'frontend-egress', namespace: 'storefront' },
    spec: {
      podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'],
      egress: [{ to: [ns('shop')] }, { to: [ns('kube-system')], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]
    }
  })
  return objs
}

export const demoYaml = (): string => toYaml(demoObjects())
