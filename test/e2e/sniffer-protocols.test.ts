/**
 * End to end, one protocol at a time, on a network-namespace cluster with the real sniffer and
 * mapper: IPv6 (a pod resolves and connects over IPv6 only), connected UDP, a connection shorter
 * than the scan interval (seen by its SYN alone), DNS over TCP, DNS answered by a resolver on the
 * node's own network (its responses only leave the node: the kernel filter must keep them), and a
 * hostNetwork pod whose process sits in a real kubepods cgroup (v2, systemd form) and is named in
 * the map instead of the node.
 * Each test makes calls no other test makes, so each asserts its own edge exactly. Needs root and
 * cgroup v2 at /sys/fs/cgroup/unified (this machine's hybrid layout); never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { shopScenario } from '../testbed/scenarios.js'
import type { Scenario } from '../testbed/scenario.js'
import { PROGRAMS } from '../testbed/testbed.js'
import { startStack, waitFor, type Stack } from './fake-api-stack.js'
import { runClient, startServer } from './fake-api-traffic.js'
import { waitForOutput } from '../testbed/wait-for-output.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

const CHECKOUT = 'shop/checkout-7d9f8c6b5d-x2x7k'
const ORDERS = 'shop/orders-5c4f7b9d8e-k8w2p'
const NIGHTLY = 'batch/nightly-28000000-7qv4n'
const LEDGER = 'db/ledger-0'
const AGENT = 'kube-system/agent-k2x9p'

const scenario: Scenario = {
  ...shopScenario,
  workloads: [...shopScenario.workloads, { kind: 'DaemonSet', name: 'agent', namespace: 'kube-system' }],
  pods: [...shopScenario.pods, { name: 'agent-k2x9p', namespace: 'kube-system', labels: { app: 'agent' }, owner: { kind: 'DaemonSet', name: 'agent' }, hostNetwork: true }]
}

// Hybrid layouts (this machine) mount cgroup v2 at unified/; pure v2 hosts at the root.
const V2 = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup'
const cgroupDirs: string[] = []
let stack: Stack

before(async () => {
  stack = await startStack(scenario, { snifferArgs: ['--scan-interval', '2s', '--report-interval', '1s'] })
  await startServer(stack.tb, ORDERS, [8080], ['--udp', '9000'])
  await startServer(stack.tb, LEDGER, [7000])
})

after(async () => {
  await stack?.stop()
  for (const dir of cgroupDirs.reverse()) {
    for (let i = 0; i < 50; i++) {
      try { rmdirSync(dir); break } catch { await new Promise((resolve) => setTimeout(resolve, 100)) }
    }
  }
})

const strip = (e: Edge) => ({ client: e.client, server: e.server, ports: e.ports, evidence: e.evidence })

async function edgesFrom (client: { kind: string, name: string }, server?: string): Promise<ReturnType<typeof strip>[]> {
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
    }, 20_000, 300)
  } catch (err) {
    assert.deepEqual(last, expected, `${(err as Error).message}\nsniffer log:\n${stack.logs.sniffer.slice(-15).join('\n')}`)
  }
}

async function snifferMetric (name: string): Promise<number> {
  const text = await (await fetch(`${stack.snifferUrl}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
}

test('IPv6: a pod that resolves (AAAA) and connects over IPv6 only is mapped to the Service\'s workload', async () => {
  const r = await runClient(stack.tb, { pod: NIGHTLY, host: 'orders.shop.svc.cluster.local', port: 80, extra: ['--family', '6'] })
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
  const orders = stack.tb.pod(ORDERS)
  await runClient(stack.tb, { pod: CHECKOUT, host: orders.ipv4, port: 9000, extra: ['--udp'] })
  await expectEdges({ kind: 'Deployment', name: 'checkout' }, 'orders', [{
    client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders' },
    ports: [{ port: 9000, protocol: 'UDP' }],
    evidence: ['udp']
  }])
})

test('a connection shorter than the scan interval is mapped from its SYN', async () => {
  const synsBefore = await snifferMetric('podmap_sniffer_syns_total')
  const ledger = stack.tb.pod(LEDGER)
  const r = await runClient(stack.tb, { pod: CHECKOUT, host: ledger.ipv4, port: 7000, extra: ['--short'] })
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
  const tcpBefore = await snifferMetric('podmap_sniffer_dns_responses_total')
  // A query over TCP to the pod's nameserver, built by hand (no dependency inside the pod).
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
  const r = await stack.tb.exec(NIGHTLY, [process.execPath, '-e', program], { timeoutMs: 15_000 })
  assert.equal(r.code, 0, r.stderr)
  assert.ok(JSON.parse(r.stdout.trim()).ancount >= 1, r.stdout)
  await expectEdges({ kind: 'CronJob', name: 'nightly' }, 'api.partner.example', [{
    client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' },
    server: { kind: 'External', name: 'api.partner.example' },
    ports: [],
    evidence: ['dns']
  }])
  assert.ok(await snifferMetric('podmap_sniffer_dns_responses_total') > tcpBefore)
})

test('DNS answered by a resolver on the node\'s own network (a hostNetwork resolver, a node-local cache) is seen', async () => {
  const responsesBefore = await snifferMetric('podmap_sniffer_dns_responses_total')
  // Real dnsmasq in the node's namespace, on the node's address: its responses to a pod leave the
  // node on the pod's veth and never arrive on another interface (only the outgoing copy exists).
  const resolver = stack.tb.spawn('node', ['dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces',
    `--listen-address=${stack.tb.nodeIp}`, '--port=53', '--user=root', '--group=root', '--pid-file=', '--log-facility=-',
    '--address=/node-local.partner.example/192.0.2.77'])
  try {
    await waitForOutput(resolver, /started, version/, 10_000, 'dnsmasq on the node')
    const program = `const { Resolver } = require('node:dns').promises
      const r = new Resolver(); r.setServers([process.argv[1]])
      r.resolve4('node-local.partner.example').then((a) => console.log(JSON.stringify(a)), (e) => { console.error(e.message); process.exit(1) })`
    const r = await stack.tb.exec(LEDGER, [process.execPath, '-e', program, stack.tb.nodeIp], { timeoutMs: 15_000 })
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
  assert.ok(existsSync(`${V2}/cgroup.procs`), 'needs cgroup v2 at /sys/fs/cgroup/unified')
  const uid = stack.tb.materialized.pods.find((p) => p.key === AGENT)?.uid
  assert.ok(uid !== undefined)
  const scope = `${V2}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${randomBytes(32).toString('hex')}.scope`
  const parts = scope.slice(V2.length + 1).split('/')
  for (let i = 1; i <= parts.length; i++) {
    const dir = `${V2}/${parts.slice(0, i).join('/')}`
    if (!existsSync(dir)) { mkdirSync(dir); cgroupDirs.push(dir) }
  }
  const clusterIp = stack.tb.services.get('shop/orders')?.clusterIPv4
  assert.ok(clusterIp !== undefined)
  // Joins the cgroup first (written from here: `ip netns exec` gives the pod its own /sys), then
  // becomes the client: every socket it opens is the pod's.
  const child = stack.tb.spawn(AGENT, ['sh', '-c', 'read go && exec "$0" "$@"',
    process.execPath, PROGRAMS.client, '--host', clusterIp, '--port', '80', '--hold', '3000'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  await waitFor('the agent shell to start', async () => existsSync(`/proc/${child.pid}/ns/net`) ? true : undefined, 5_000, 50)
  writeFileSync(`${scope}/cgroup.procs`, String(child.pid))
  child.stdin!.write('go\n')
  assert.equal(await exited, 0, out)
  await expectEdges({ kind: 'DaemonSet', name: 'agent' }, 'orders', [{
    client: { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
    ports: [{ port: 8080, protocol: 'TCP' }],
    evidence: ['tcp']
  }])
  // Neither the SYN nor the server's end of the session named the node as the caller.
  assert.deepEqual(await edgesFrom({ kind: 'Node', name: stack.tb.nodeName }), [])
})
