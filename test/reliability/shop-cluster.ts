/**
 * The shop on the real control plane's cluster (test/testbed/cluster: kubectl apply of the shop, the
 * nightly Job made from its CronJob), without podmap installed: for fault tests that run their own
 * mapper process (mapper-process.ts) and post reports as a sniffer would, naming the addresses the
 * cluster really gave the shop's pods, Service and node.
 */
import { startCluster, type Cluster } from '../testbed/cluster/cluster.js'
import { shopPods } from '../e2e/stack.js'
import { shopYaml, SHOP_CNAMES, SHOP_EXTERNALS } from '../e2e/shop-manifests.js'

export interface ShopAddresses {
  checkout: string
  orders: string
  /** The orders Service's ClusterIP. */
  ordersSvc: string
  /** The nightly Job's pod (CronJob batch/nightly), and its node's name. */
  job: string
  jobNodeName: string
  ledger0: string
  /** checkout's node: its InternalIP and name. */
  node: string
  nodeName: string
  /** api.partner.example, an external host. */
  partner: string
}

export interface ShopCluster { cluster: Cluster, kubeconfig: string, ip: ShopAddresses, stop: () => Promise<void> }

export async function startShopCluster (): Promise<ShopCluster> {
  const cluster = await startCluster({ externals: SHOP_EXTERNALS, cnames: SHOP_CNAMES })
  try {
    await cluster.apply(shopYaml())
    const job = await cluster.kubectl(['create', 'job', '-n', 'batch', 'nightly-manual', '--from=cronjob/nightly'])
    if (job.code !== 0) throw new Error(`kubectl create job --from=cronjob/nightly: ${job.stderr}`)
    const shop = await shopPods(cluster)
    const [checkout, orders, nightly, ledger] = await Promise.all([shop.checkout, shop.orders, shop.nightly, shop.ledger].map(async (k) => await cluster.pod(k)))
    const svc = await cluster.cp.client.get<{ spec: { clusterIP: string } }>('/api/v1/namespaces/shop/services/orders')
    const node = cluster.nodes.find((n) => n.name === checkout?.nodeName)
    const partner = cluster.externals.get('api.partner.example')
    if (checkout === undefined || orders === undefined || nightly === undefined || ledger === undefined || node === undefined || partner === undefined) throw new Error('the shop is not all there')
    return {
      cluster,
      kubeconfig: cluster.kubeconfig,
      ip: { checkout: checkout.ipv4, orders: orders.ipv4, ordersSvc: svc.spec.clusterIP, job: nightly.ipv4, jobNodeName: nightly.nodeName, ledger0: ledger.ipv4, node: node.ipv4, nodeName: node.name, partner: partner.ipv4 },
      stop: async () => { await cluster.stop() }
    }
  } catch (err) {
    await cluster.stop()
    throw err
  }
}
