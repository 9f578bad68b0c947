/**
 * The wrong edges a real cluster showed (issue #11), each made for real on the real control plane
 * with the real sniffers and mapper, and the whole map (not only the shop's namespaces) checked for
 * them:
 *  1. a DNS lookup over TCP: its first SYN to port 53 made an edge to the DNS server on 53/TCP;
 *  2. a hostNetwork DaemonSet's call to a pod on the other node: right on the client's node, and a
 *     second edge `Node <client's node> -> server` from the server's node, which sees only the
 *     node's address (its report now says it saw the server's side: report version 3);
 *  3. kubelet probes from the node's address on the pod bridge (the first address of its podCIDR):
 *     `External <that address> -> workload`; the caller is the Node;
 *  4. CoreDNS forwarding a name upstream: the upstream's answer to CoreDNS made an edge
 *     `CoreDNS -> External <name>`; a resolver's upstream lookup is not a call of its own.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startStack, waitFor, type Stack } from './stack.js'
import { makeShopCalls, runClient } from './traffic.js'
import { deployment, namespace, nodeCommand, PROGRAM, toYaml } from '../testbed/cluster/manifests.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

let stack: Stack

before(async () => {
  stack = await startStack({ agent: true })
  await stack.cluster.apply(toYaml([
    namespace('probes'),
    deployment('probed', 'probes', {
      labels: { app: 'probed' },
      command: nodeCommand(PROGRAM.tcpServer, '--tcp', '8080'),
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }
    })
  ]))
})

after(async () => { await stack?.stop() })

async function map (): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges
}

const name = (id: Edge['client']): string => `${id.kind} ${id.namespace === undefined ? '' : `${id.namespace}/`}${id.name}`
const show = (e: Edge): string => `${name(e.client)} -> ${name(e.server)} ${e.ports.map((p) => `${p.port}/${p.protocol}`).join(',')} ${e.evidence.join(',')}`

test('one call, one edge: no DNS-server edge for DNS over TCP, no Node edge for a hostNetwork pod\'s call, probes from the Node, no CoreDNS -> External', async () => {
  const c = stack.cluster
  const orders = await c.pod(stack.shop.orders)
  const agents = await c.pods('kube-system', 'app=agent')
  const agent = agents.find((p) => p.nodeName !== orders.nodeName)
  assert.ok(agent !== undefined, `an agent pod on a node other than orders' (${orders.nodeName}): ${agents.map((p) => p.nodeName).join(', ')}`)
  const probed = await waitFor('the probed pod to be ready', async () => (await c.pods('probes', 'app=probed')).find((p) => p.ready), 60_000, 500)

  await makeShopCalls(c, stack.shop) // checkout -> api.partner.example: CoreDNS forwards the name upstream
  const lookup = await c.exec(stack.shop.checkout, nodeCommand(PROGRAM.dnsQuery, '--server', c.kubeDnsIPv4, '--name', 'orders.shop.svc.cluster.local', '--tcp'), { timeoutMs: 20_000 })
  assert.equal(lookup.code, 0, `DNS over TCP: ${lookup.stdout}${lookup.stderr}`)
  await runClient(c, { pod: `kube-system/${agent.name}`, host: orders.ipv4, port: 8080 })

  const want = [
    `DaemonSet kube-system/agent -> Deployment shop/orders 8080/TCP tcp`,
    `Node ${probed.nodeName} -> Deployment probes/probed 8080/TCP tcp`
  ]
  let edges: string[] = []
  try {
    await waitFor('the agent\'s call and the probes in the map', async () => {
      edges = (await map()).map(show)
      return want.every((w) => edges.includes(w)) ? true : undefined
    }, 30_000, 500)
  } catch (err) {
    assert.fail(`${(err as Error).message}\nwanted ${JSON.stringify(want)}\nmap:\n${edges.join('\n')}\nsniffers:\n${stack.snifferLogs().slice(-3000)}`)
  }
  // Two more report rounds (1 s each), for anything the server's node reports later.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const all = await map()
  const wrong = all.filter((e) =>
    e.ports.some((p) => p.port === 53) || // 1
    (e.client.kind === 'Node' && e.server.kind === 'Deployment' && e.server.namespace === 'shop' && e.server.name === 'orders') || // 2
    (e.client.kind === 'External' && /^[0-9a-f.:]+$/.test(e.client.name)) || // 3
    (e.client.namespace === 'kube-system' && e.client.name === 'coredns' && e.server.kind === 'External') // 4
  )
  const why = await Promise.all(wrong.map(async (e) => {
    const id = (i: Edge['client']): string => `${i.kind}/${i.namespace ?? ''}/${i.name}`
    const res = await fetch(`${stack.mapperUrl}/api/v1/explain?client=${encodeURIComponent(id(e.client))}&server=${encodeURIComponent(id(e.server))}`)
    return `${show(e)}: ${await res.text()}`
  }))
  assert.deepEqual(wrong.map(show), [], `the whole map:\n${all.map(show).join('\n')}\nwhy:\n${why.join('\n')}\nagent ${agent.name} on ${agent.nodeName}, orders on ${orders.nodeName}\nsniffers:\n${stack.snifferLogs().slice(-3000)}`)
})
