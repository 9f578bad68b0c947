/** Real traffic in the older single-node testbed (fake-api-stack.ts): servers in pods, clients that resolve names and hold connections. */
import type { ChildProcess } from 'node:child_process'
import { PROGRAMS, type Testbed } from '../testbed/testbed.js'
import { waitForOutput } from '../testbed/wait-for-output.js'

export async function startServer (tb: Testbed, pod: string, ports: number[], extra: string[] = []): Promise<ChildProcess> {
  const child = tb.spawn(pod, [process.execPath, PROGRAMS.tcpServer, '--tcp', ports.join(','), ...extra])
  await waitForOutput(child, /ready/, 10_000, `server in ${pod}`)
  return child
}

export interface ClientRun { pod: string, host: string, port: number, holdMs?: number, extra?: string[] }

/** Runs the client program in a pod; resolves with its JSON result, rejects with its error. */
export async function runClient (tb: Testbed, c: ClientRun): Promise<Record<string, unknown>> {
  const r = await tb.exec(c.pod, [process.execPath, PROGRAMS.client, '--host', c.host, '--port', String(c.port), '--hold', String(c.holdMs ?? 2500), ...(c.extra ?? [])], { timeoutMs: 20_000 })
  if (r.code !== 0) throw new Error(`client in ${c.pod} -> ${c.host}:${c.port} failed (${r.code ?? r.signal}): ${r.stdout}${r.stderr}`)
  const last = r.stdout.trim().split('\n').pop() ?? '{}'
  return JSON.parse(last) as Record<string, unknown>
}

/** The shop scenario's pods (test/testbed/scenarios.ts) by role. */
export const SHOP = {
  checkout: 'shop/checkout-7d9f8c6b5d-x2x7k',
  orders: 'shop/orders-5c4f7b9d8e-k8w2p',
  nightly: 'batch/nightly-28000000-7qv4n',
  ledger: 'db/ledger-0'
} as const

/** Servers in orders (8080) and ledger-0 (5432). */
export async function startShopServers (tb: Testbed): Promise<void> {
  await startServer(tb, SHOP.orders, [8080])
  await startServer(tb, SHOP.ledger, [5432])
}

/** The three calls of the shop: checkout -> orders Service, nightly -> ledger (headless), checkout -> external. */
export async function makeShopCalls (tb: Testbed): Promise<void> {
  await Promise.all([
    runClient(tb, { pod: SHOP.checkout, host: 'orders.shop.svc.cluster.local', port: 80 }),
    runClient(tb, { pod: SHOP.nightly, host: 'ledger.db.svc.cluster.local', port: 5432 }),
    runClient(tb, { pod: SHOP.checkout, host: 'api.partner.example', port: 443 })
  ])
}
