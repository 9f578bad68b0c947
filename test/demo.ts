/**
 * `npm run demo`: starts the real control plane and a two-node cluster of network namespaces,
 * applies the shop with kubectl, installs the chart with helm (the real sniffers as its DaemonSet
 * pods, the real mapper with the chart's ServiceAccount), makes the calls, and prints the map of
 * the shop's namespaces as `podmap list` shows it. Cleans up after.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startStack, waitFor, BIN, type Stack } from './e2e/stack.js'
import { makeShopCalls } from './e2e/traffic.js'

const say = (s: string): void => { process.stdout.write(s + '\n') }

async function main (): Promise<void> {
  const started = Date.now()
  say('podmap demo: starting a Kubernetes control plane (etcd, kube-apiserver, controllers, scheduler), two nodes of network namespaces, CoreDNS; kubectl apply of the shop; helm install of podmap ...')
  let stack: Stack | undefined
  const stop = async (): Promise<void> => { await stack?.stop() }
  process.once('SIGINT', () => { void stop().then(() => process.exit(130)) })
  try {
    stack = await startStack()
    say(`mapper at ${stack.mapperUrl}, sniffers on ${stack.cluster.nodes.map((n) => n.name).join(' and ')}`)
    say('calls: checkout -> orders.shop.svc.cluster.local:80, nightly -> ledger.db.svc.cluster.local:5432, checkout -> api.partner.example:443')
    await makeShopCalls(stack.cluster, stack.shop)
    const url = stack.mapperUrl
    await waitFor('three edges in the map', async () => {
      const body = await (await fetch(`${url}/api/v1/map?namespace=shop,batch,db`)).json() as { edges: Array<{ evidence: string[] }> }
      return body.edges.length >= 3 && body.edges.every((e) => e.evidence.includes('tcp')) ? true : undefined
    }, 30_000, 500)
    say(`\n$ podmap list -n shop,batch,db --mapper-url ${url}`)
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'list', '-n', 'shop,batch,db', '--mapper-url', url])
    process.stdout.write(stdout)
  } finally {
    await stop()
  }
  say(`\n(${Math.round((Date.now() - started) / 1000)} s)`)
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`)
  process.exit(1)
})
