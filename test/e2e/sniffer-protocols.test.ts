/**
 * End to end on the real control plane, one protocol at a time, with the real sniffers (the chart's
 * DaemonSet pods) and the real mapper: IPv6 (a pod resolves and connects over IPv6 only, through a
 * dual-stack Service), connected UDP, a connection shorter than the scan interval (seen by its SYN
 * alone), DNS over TCP to CoreDNS, DNS answered by a resolver
 * on the node's own network (its responses only leave the node: the kernel filter must keep them),
 * and a hostNetwork DaemonSet's pod (the node agent runs it in its kubepods cgroup; `exec` joins
 * it) named in the map instead of the node.
 * Each test makes calls no other test makes, so each asserts its own edges exactly. Needs root;
 * never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startStack, waitFor, type Stack } from './stack.js'
import { runClient } from './traffic.js'
import { waitForOutput } from '../testbed/wait-for-output.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

let stack: Stack
let agent: string

before(async () => {
  stack = await startStack({ agent: true, sniffer: { scanInterval: '2s', reportInterval: '1s' } })
  // The agent DaemonSet's pod on the node that does not run orders, so its call crosses the LAN.
  const orders = await stack.cluster.pod(stack.shop.orders)
  agent = await waitFor('the agent DaemonSet\'s pods running', async () => {
    const pods = (await stack.cluster.pods('kube-system', 'app=agent')).filter((p) => p.ready)
    const other = pods.find((p) => p.nodeName !== orders.nodeName) ?? (pods.length === stack.cluster.nodes.length ? pods[0] : undefined)
    return other !== undefined ? `kube-system/${other.name}` : undefined
  }, 60_000, 250)
})

after(async () => { await stack?.stop() })

const strip = (e: Edge) => ({ client: e.client, server: e.server, ports: e.ports, evidence: e.evidence })

async function edgesFrom (client: { kind: string, name: string }, server?: string): Promise<Array<ReturnType<typeof strip>>> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges.map(strip)
    .filter((e) => e.client.kind === client.kind && e.client.name === client.name && (server === undefined || e.server.name === server))
}

async function expectEdges (client: { kind: string, name: string }, server: string, expected: unknown[]): Promise<void> {
  let last: unknown
  try {
    await waitFor(`edges ${client.name} -> ${server}`, async () => {
      last = await edgesFrom(client, server)
      return JSON.stringify(last) === JSON.stringify(expected) ? last : undefined
    }, 30_000, 300)
  } catch (err) {
    assert.deepEqual(last, expected, `${(err as Error).message}\n${await stack.diagnose()}`)
  }
}

/** A sniffer metric summed over every node's sniffer. */
async function snifferMetric (name: string): Promise<number> {
  let sum = 0
  for (const url of stack.snifferUrls.values()) {
    const text = await (await fetch(`${url}/metrics`)).text()
    sum += Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
  }
  return sum
}

test('IPv6: a pod that resolves (AAAA) and connects over IPv6 only is mapped to the Service\'s workload', async () => {
  const r = await runClient(stack.cluster, { pod: stack.shop.nightly, host: 'orders.shop.svc.cluster.local', port: 80, extra: ['--family', '6'] })
  assert.equal(r.family, 6)
  assert.match(String(r.address), /:/)
  await expectEdges({ kind: 'CronJob', name: 'nightly' }, 'orders', [{
    client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
    ports: [{ port: 8080, protocol: 'TCP' }],
    evidence: ['dns', 'tcp']
  }])
})

test('connected UDP: a dgram socket connected to a pod is a UDP session the right way round', async () => {
  const orders = await stack.cluster.pod(stack.shop.orders)
  await runClient(stack.cluster, { pod: stack.shop.checkout, host: orders.ipv4, port: 9000, extra: ['--udp'] })
  await expectEdges({ kind: 'Deployment', name: 'checkout' }, 'orders', [{
    client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders' },
    ports: [{ port: 9000, protocol: 'UDP' }],
    evidence: ['udp']
  }])
})

test('a connection shorter than the scan interval is mapped from its SYN', async () => {
  const synsBefore = await snifferMetric('podmap_sniffer_syns_total')
  const ledger = await stack.cluster.pod(stack.shop.ledger)
  const r = await runClient(stack.cluster, { pod: stack.shop.checkout, host: ledger.ipv4, port: 7000, extra: ['--short'] })
  assert.equal(r.heldMs, 0)
  await expectEdges({ kind: 'Deployment', name: 'checkout' }, 'ledger', [{
    client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger' },
    ports: [{ port: 7000, protocol: 'TCP' }],
    evidence: ['tcp']
  }])
  assert.ok(await snifferMetric('podmap_sniffer_syns_total') > synsBefore)
})

test('DNS over TCP: a response read from a TCP stream names the external the pod asked for', async () => {
  const responsesBefore = await snifferMetric('podmap_sniffer_dns_responses_total')
  // A query over TCP to the pod's nameserver (CoreDNS's ClusterIP), built by hand (no dependency inside the pod).
  const program = `
    const net = require('node:net'); const fs = require('node:fs')
    const ns = /nameserver\\s+(\\S+)/.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))[1]
    const name = 'api.partner.example'
    const q = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
      ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])])
    const len = Buffer.alloc(2); len.writeUInt16BE(q.length)
    const s = net.connect(53, ns, () => s.write(Buffer.concat([len, q])))
    let got = Buffer.alloc(0)
    s.on('data', (d) => { got = Buffer.concat([got, d]); if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) { console.log(JSON.stringify({ bytes: got.length, ancount: got.readUInt16BE(8) })); s.end() } })
    s.on('error', (e) => { console.error(e.message); process.exit(1) })
    setTimeout(() => process.exit(2), 10000).unref()`
  const r = await stack.cluster.exec(stack.shop.nightly, [process.execPath, '-e', program], { timeoutMs: 15_000 })
  assert.equal(r.code, 0, r.stderr)
  assert.ok(JSON.parse(r.stdout.trim()).ancount >= 1, r.stdout)
  await expectEdges({ kind: 'CronJob', name: 'nightly' }, 'api.partner.example', [{
    client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' },
    server: { kind: 'External', name: 'api.partner.example' },
    ports: [],
    evidence: ['dns']
  }])
  assert.ok(await snifferMetric('podmap_sniffer_dns_responses_total') > responsesBefore)
})

test('DNS answered by a resolver on the node\'s own network (a hostNetwork resolver, a node-local cache) is seen', async () => {
  const responsesBefore = await snifferMetric('podmap_sniffer_dns_responses_total')
  const ledger = await stack.cluster.pod(stack.shop.ledger)
  const node = stack.cluster.nodes.find((n) => n.name === ledger.nodeName)
  assert.ok(node !== undefined, `ledger's node ${ledger.nodeName}`)
  // Real dnsmasq in the node's namespace, on the node's address: its responses to a pod leave the
  // node on the pod's veth and never arrive on another interface (only the outgoing copy exists).
  const resolver = await stack.cluster.spawn({ node: node.name }, ['dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces',
    `--listen-address=${node.ipv4}`, '--port=53', '--user=root', '--group=root', '--pid-file=', '--log-facility=-',
    '--address=/node-local.partner.example/192.0.2.77'])
  try {
    await waitForOutput(resolver, /started, version/, 10_000, 'dnsmasq on the node')
    const program = `const { Resolver } = require('node:dns').promises
      const r = new Resolver(); r.setServers([process.argv[1]])
      r.resolve4('node-local.partner.example').then((a) => console.log(JSON.stringify(a)), (e) => { console.error(e.message); process.exit(1) })`
    const r = await stack.cluster.exec(stack.shop.ledger, [process.execPath, '-e', program, node.ipv4], { timeoutMs: 15_000 })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout.trim()), ['192.0.2.77'])
    await expectEdges({ kind: 'StatefulSet', name: 'ledger' }, 'node-local.partner.example', [{
      client: { kind: 'StatefulSet', namespace: 'db', name: 'ledger' },
      server: { kind: 'External', name: 'node-local.partner.example' },
      ports: [],
      evidence: ['dns']
    }])
    assert.ok(await snifferMetric('podmap_sniffer_dns_responses_total') > responsesBefore)
  } finally {
    resolver.kill('SIGTERM')
  }
})

test('a hostNetwork pod (process in its kubepods cgroup, node address on the wire) is named, not the node', async () => {
  const pod = await stack.cluster.pod(agent)
  assert.ok(pod.hostNetwork && pod.containerID !== '', `${agent} is a running hostNetwork pod`)
  const svc = await stack.cluster.cp.client.get<{ spec: { clusterIP: string } }>('/api/v1/namespaces/shop/services/orders')
  await runClient(stack.cluster, { pod: agent, host: svc.spec.clusterIP, port: 80, holdMs: 3000 })
  await expectEdges({ kind: 'DaemonSet', name: 'agent' }, 'orders', [{
    client: { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
    ports: [{ port: 8080, protocol: 'TCP' }],
    evidence: ['tcp']
  }])
  // The server's node (which sees only the agent node's address) leaves the call to the client's
  // node (issue #11); the client's node names the pod, also from the call's SYN, which on the wire
  // is past the ClusterIP's DNAT (orders' pod address, port 8080) while the socket the scan
  // attributes to the pod names the ClusterIP: they match on the client's address and port
  // (sniffer/host-syns.ts). So no node reports the call as a Node's. Two more report rounds first.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const nodeEdges: string[] = []
  for (const n of stack.cluster.nodes) {
    if ((await edgesFrom({ kind: 'Node', name: n.name }, 'orders')).length === 0) continue
    const res = await fetch(`${stack.mapperUrl}/api/v1/explain?client=Node//${n.name}&server=Deployment/shop/orders`)
    nodeEdges.push(`Node ${n.name} -> orders: ${await res.text()}`)
  }
  assert.deepEqual(nodeEdges, [], `the agent ${agent} runs on ${pod.nodeName}`)
})
