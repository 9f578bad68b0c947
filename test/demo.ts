/**
 * `npm run demo`: builds the shop cluster out of network namespaces, runs the real mapper and
 * sniffer on it, makes the calls, and prints the map as `podmap list` shows it. Cleans up after.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { shopScenario } from './testbed/scenarios.js'
import { startStack, waitFor, BIN, type Stack } from './e2e/stack.js'
import { makeShopCalls, startShopServers } from './e2e/traffic.js'

const say = (s: string): void => { process.stdout.write(s + '\n') }

async function main (): Promise<void> {
  say('podmap demo: building a cluster of network namespaces (node, pods, dnsmasq, ClusterIP DNAT) ...')
  let stack: Stack | undefined
  const stop = async (): Promise<void> => { await stack?.stop() }
  process.once('SIGINT', () => { void stop().then(() => process.exit(130)) })
  try {
    stack = await startStack(shopScenario)
    say(`mapper at ${stack.mapperUrl}, sniffer capturing in ${stack.tb.nodeNs}`)
    await startShopServers(stack.tb)
    say('calls: checkout -> orders.shop.svc.cluster.local:80, nightly -> ledger.db.svc.cluster.local:5432, checkout -> api.partner.example:443')
    await makeShopCalls(stack.tb)
    const url = stack.mapperUrl
    await waitFor('three edges in the map', async () => {
      const body = await (await fetch(`${url}/api/v1/map`)).json() as { edges: Array<{ evidence: string[] }> }
      return body.edges.length >= 3 && body.edges.every((e) => e.evidence.includes('tcp')) ? true : undefined
    }, 20_000, 500)
    say(`\n$ podmap list --mapper-url ${url}`)
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'list', '--mapper-url', url])
    process.stdout.write(stdout)
  } finally {
    await stop()
  }
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`)
  process.exit(1)
})
