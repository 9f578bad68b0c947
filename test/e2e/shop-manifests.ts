/**
 * The shop as users deploy it (`kubectl apply`), on the real control plane: checkout (a Deployment
 * whose pod the tests make calls from) calls orders through its Service; the nightly CronJob's
 * Job (created from it as `kubectl create job --from=cronjob/nightly` does) and the ledger
 * StatefulSet (headless Service) sit in other namespaces; api.partner.example is an external host
 * on port 443, also reachable through the CNAME payments.partner.example.
 */
import { cronJob, daemonSet, deployment, IDLE, namespace, nodeCommand, PROGRAM, service, statefulSet, toYaml, type Obj } from '../testbed/cluster/manifests.js'
import type { CnameSpec, ExternalSpec } from '../testbed/scenario.js'

export const SHOP_EXTERNALS: ExternalSpec[] = [{ name: 'api.partner.example', ports: [443] }]
export const SHOP_CNAMES: CnameSpec[] = [{ alias: 'payments.partner.example', target: 'api.partner.example' }]

const server = (app: string, tcp: number[], udp: number[] = []): Parameters<typeof deployment>[2] => ({
  labels: { app },
  command: nodeCommand(PROGRAM.tcpServer, '--tcp', tcp.join(','), ...(udp.length > 0 ? ['--udp', udp.join(',')] : [])),
  // No readiness probe: probes come from the node's podCIDR gateway address, a case of its own.
  ports: tcp.map((p, i) => ({ ...(i === 0 ? { name: app === 'ledger' ? 'postgres' : 'http' } : {}), containerPort: p }))
})

export function shopObjects (opts: { agent?: boolean } = {}): Obj[] {
  return [
    namespace('shop'), namespace('batch'), namespace('db'),
    deployment('checkout', 'shop', { labels: { app: 'checkout' }, command: IDLE }),
    deployment('orders', 'shop', server('orders', [8080], [9000])),
    service('orders', 'shop', { app: 'orders' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
    cronJob('nightly', 'batch', '0 3 * * *', { labels: { app: 'nightly' }, command: IDLE }),
    statefulSet('ledger', 'db', 'ledger', server('ledger', [5432, 7000])),
    service('ledger', 'db', { app: 'ledger' }, [{ name: 'postgres', port: 5432, targetPort: 5432 }], { headless: true }),
    ...(opts.agent === true ? [daemonSet('agent', 'kube-system', { labels: { app: 'agent' }, command: IDLE, hostNetwork: true })] : [])
  ]
}

export const shopYaml = (opts: { agent?: boolean } = {}): string => toYaml(shopObjects(opts))
