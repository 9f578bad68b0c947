/** Real traffic on the cluster: clients run in the shop's pods and hold their connections. */
import type { Cluster } from '../testbed/cluster/cluster.js'
import { nodeCommand, PROGRAM } from '../testbed/cluster/manifests.js'
import type { ShopPods } from './stack.js'

export interface ClientRun { pod: string, host: string, port: number, holdMs?: number, extra?: string[] }

/** Runs the client program in a pod; resolves with its JSON result, rejects with its error. */
export async function runClient (c: Cluster, run: ClientRun): Promise<Record<string, unknown>> {
  const r = await c.exec(run.pod, nodeCommand(PROGRAM.client, '--host', run.host, '--port', String(run.port), '--hold', String(run.holdMs ?? 2500), ...(run.extra ?? [])), { timeoutMs: 20_000 })
  if (r.code !== 0) throw new Error(`client in ${run.pod} -> ${run.host}:${run.port} failed (${r.code ?? r.signal}): ${r.stdout}${r.stderr}`)
  const last = r.stdout.trim().split('\n').pop() ?? '{}'
  return JSON.parse(last) as Record<string, unknown>
}

/** The three calls of the shop: checkout -> orders Service, nightly -> ledger (headless), checkout -> external. */
export async function makeShopCalls (c: Cluster, shop: ShopPods): Promise<void> {
  await Promise.all([
    runClient(c, { pod: shop.checkout, host: 'orders.shop.svc.cluster.local', port: 80 }),
    runClient(c, { pod: shop.nightly, host: 'ledger.db.svc.cluster.local', port: 5432 }),
    runClient(c, { pod: shop.checkout, host: 'api.partner.example', port: 443 })
  ])
}
