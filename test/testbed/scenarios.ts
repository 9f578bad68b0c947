/** Scenarios shared by the testbed and e2e tests. */
import type { Scenario } from './scenario.js'

/**
 * The canonical shop: checkout calls orders through its Service, the nightly CronJob's pod and
 * the ledger StatefulSet (headless Service) sit in other namespaces, and api.partner.example is
 * an external host on port 443 (also reachable through the CNAME payments.partner.example).
 */
export const shopScenario: Scenario = {
  workloads: [
    { kind: 'Deployment', name: 'checkout', namespace: 'shop' },
    { kind: 'ReplicaSet', name: 'checkout-7d9f8c6b5d', namespace: 'shop', owner: { kind: 'Deployment', name: 'checkout' } },
    { kind: 'Deployment', name: 'orders', namespace: 'shop' },
    { kind: 'ReplicaSet', name: 'orders-5c4f7b9d8e', namespace: 'shop', owner: { kind: 'Deployment', name: 'orders' } },
    { kind: 'CronJob', name: 'nightly', namespace: 'batch' },
    { kind: 'Job', name: 'nightly-28000000', namespace: 'batch', owner: { kind: 'CronJob', name: 'nightly' } },
    { kind: 'StatefulSet', name: 'ledger', namespace: 'db' }
  ],
  pods: [
    { name: 'checkout-7d9f8c6b5d-x2x7k', namespace: 'shop', labels: { app: 'checkout' }, owner: { kind: 'ReplicaSet', name: 'checkout-7d9f8c6b5d' } },
    {
      name: 'orders-5c4f7b9d8e-k8w2p',
      namespace: 'shop',
      labels: { app: 'orders' },
      owner: { kind: 'ReplicaSet', name: 'orders-5c4f7b9d8e' },
      containerPorts: [{ name: 'http', port: 8080 }]
    },
    { name: 'nightly-28000000-7qv4n', namespace: 'batch', labels: { app: 'nightly' }, owner: { kind: 'Job', name: 'nightly-28000000' } },
    {
      name: 'ledger-0',
      namespace: 'db',
      labels: { app: 'ledger' },
      owner: { kind: 'StatefulSet', name: 'ledger' },
      hostname: 'ledger-0',
      subdomain: 'ledger',
      containerPorts: [{ name: 'postgres', port: 5432 }]
    }
  ],
  services: [
    { name: 'orders', namespace: 'shop', selector: { app: 'orders' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    { name: 'ledger', namespace: 'db', headless: true, selector: { app: 'ledger' }, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] }
  ],
  externals: [{ name: 'api.partner.example', ports: [443] }],
  dnsExtras: { cnames: [{ alias: 'payments.partner.example', target: 'api.partner.example' }] }
}

/**
 * The shop plus a hostNetwork DaemonSet pod in kube-system (its traffic carries the node's address):
 * the cluster test/e2e/sniffer-protocols.test.ts maps (IPv6, connected UDP, a SYN-only call, DNS over
 * TCP, the hostNetwork client).
 */
export const protocolsScenario: Scenario = {
  ...shopScenario,
  workloads: [...shopScenario.workloads, { kind: 'DaemonSet', name: 'agent', namespace: 'kube-system' }],
  pods: [...shopScenario.pods, { name: 'agent-k2x9p', namespace: 'kube-system', labels: { app: 'agent' }, owner: { kind: 'DaemonSet', name: 'agent' }, hostNetwork: true }]
}
