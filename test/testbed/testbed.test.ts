// Real traffic through the netns testbed (needs root, `ip netns`, nft, dnsmasq: fails loudly
// otherwise, never skips).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTestbed, PROGRAMS, type Testbed } from './testbed.js'
import { shopScenario } from './scenarios.js'
import { sweepStaleTestbeds, STATE_DIR } from './state-registry.js'
import { waitForOutput } from './wait-for-output.js'

const CHECKOUT = 'shop/checkout-7d9f8c6b5d-x2x7k'
const ORDERS = 'shop/orders-5c4f7b9d8e-k8w2p'

async function netnsList (): Promise<string[]> {
  const child = spawn('ip', ['netns', 'list'])
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8') })
  await new Promise((resolve) => child.once('close', resolve))
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((l) => l !== '')
}

function parseJson (text: string): Record<string, unknown> {
  const line = text.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as Record<string, unknown>
}

describe('netns testbed (shopScenario)', () => {
  let tb: Testbed

  before(async () => {
    tb = await createTestbed(shopScenario)
    const server = tb.spawn(ORDERS, [process.execPath, PROGRAMS.tcpServer, '--tcp', '8080'])
    await waitForOutput(server, /^ready/, 5000, 'orders server')
  })
  after(async () => { await tb?.destroy() })

  it('resolves orders.shop.svc.cluster.local through dnsmasq to the ClusterIPs', async () => {
    const r = await tb.exec(CHECKOUT, ['getent', 'ahosts', 'orders.shop.svc.cluster.local'])
    assert.equal(r.code, 0, r.stderr)
    const svc = tb.services.get('shop/orders')
    assert.ok(r.stdout.includes(svc?.clusterIPv4 ?? '?'), r.stdout)
    assert.ok(r.stdout.includes(svc?.clusterIPv6 ?? '?'), r.stdout)
    assert.ok(tb.dnsLog().some((l) => l.includes('query[A] orders.shop.svc.cluster.local')), 'dnsmasq logged the query')
  })

  it('connects checkout -> orders through the ClusterIP DNAT (80 -> 8080), same node, IPv4 and IPv6', async () => {
    const svc = tb.services.get('shop/orders')
    for (const [host, family, vip] of [['orders', '4', svc?.clusterIPv4], ['orders.shop.svc.cluster.local', '6', svc?.clusterIPv6]] as const) {
      const r = await tb.exec(CHECKOUT, [process.execPath, PROGRAMS.client, '--host', host, '--port', '80', '--family', family, '--message', `via-${family}`])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const out = parseJson(r.stdout)
      assert.equal(out.address, vip)
      assert.equal(out.reply, `via-${family}`)
      assert.equal(out.localAddress, family === '4' ? tb.pod(CHECKOUT).ipv4 : tb.pod(CHECKOUT).ipv6)
    }
  })

  it('lets the orders pod reach itself through its own Service (hairpin)', async () => {
    const r = await tb.exec(ORDERS, [process.execPath, PROGRAMS.client, '--host', 'orders', '--port', '80', '--family', '4'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(parseJson(r.stdout).reply, 'hello')
  })

  it('refuses a port the Service does not expose', async () => {
    const r = await tb.exec(CHECKOUT, [process.execPath, PROGRAMS.client, '--host', 'orders', '--port', '81', '--family', '4', '--timeout', '2000'])
    assert.notEqual(r.code, 0, r.stdout)
  })

  it('resolves api.partner.example (and its CNAME) to the internet namespace and reaches it on 443', async () => {
    const ext = tb.externals.get('api.partner.example')
    for (const [host, family, addr] of [['api.partner.example', '4', ext?.ipv4], ['payments.partner.example', '6', ext?.ipv6]] as const) {
      const r = await tb.exec('batch/nightly-28000000-7qv4n', [process.execPath, PROGRAMS.client, '--host', host, '--port', '443', '--family', family])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const out = parseJson(r.stdout)
      assert.equal(out.address, addr)
      assert.equal(out.reply, 'hello')
    }
  })

  it('answers the headless service and the StatefulSet pod name with ledger-0\'s IPs', async () => {
    const ledger = tb.pod('db/ledger-0')
    for (const name of ['ledger.db.svc.cluster.local', 'ledger-0.ledger.db.svc.cluster.local']) {
      const r = await tb.exec(CHECKOUT, ['getent', 'ahosts', name])
      assert.equal(r.code, 0, r.stderr)
      const addrs = new Set(r.stdout.split('\n').map((l) => l.split(/\s+/)[0]).filter((a) => a !== ''))
      assert.deepEqual([...addrs].sort(), [ledger.ipv4, ledger.ipv6].sort())
    }
  })

  it('connects over connected UDP to an in-cluster server and over TCP to a headless endpoint', async () => {
    const server = tb.spawn('db/ledger-0', [process.execPath, PROGRAMS.tcpServer, '--tcp', '5432', '--udp', '5432'])
    await waitForOutput(server, /^ready/, 5000, 'ledger server')
    const tcp = await tb.exec(CHECKOUT, [process.execPath, PROGRAMS.client, '--host', 'ledger-0.ledger.db', '--port', '5432', '--family', '4'])
    assert.equal(tcp.code, 0, tcp.stdout + tcp.stderr)
    const udp = await tb.exec(CHECKOUT, [process.execPath, PROGRAMS.client, '--host', 'ledger.db', '--port', '5432', '--family', '6', '--udp'])
    assert.equal(udp.code, 0, udp.stdout + udp.stderr)
    assert.equal(parseJson(udp.stdout).address, tb.pod('db/ledger-0').ipv6)
    server.kill('SIGTERM')
  })

  it('returns NXDOMAIN for unknown cluster names and for unknown outside names', async () => {
    for (const name of ['nothere.shop.svc.cluster.local', 'www.example.org']) {
      const r = await tb.exec(CHECKOUT, ['getent', 'hosts', name])
      assert.equal(r.code, 2, `getent should report "not found" for ${name}: ${r.stdout}`)
    }
  })

  it('shows DNS responses to tcpdump on `any` in the node namespace', async () => {
    const dump = tb.spawn('node', ['tcpdump', '-i', 'any', '-n', '-l', 'udp', 'src', 'port', '53'])
    await waitForOutput(dump, /listening on/, 5000, 'tcpdump')
    const r = await tb.exec(CHECKOUT, ['getent', 'ahostsv4', 'orders.shop.svc.cluster.local'])
    assert.equal(r.code, 0)
    const vip = tb.services.get('shop/orders')?.clusterIPv4 ?? '?'
    const line = await waitForOutput(dump, new RegExp(`A ${vip.replaceAll('.', '\\.')}`), 5000, 'tcpdump')
    assert.ok(line.includes(`${tb.kubeDnsIp}.53 >`) || line.includes('.53 >'), line)
    dump.kill('SIGTERM')
  })

  it('serves kube objects consistent with the namespaces\' addresses', () => {
    const pods = tb.kubeObjects().filter((o) => o.kind === 'Pod')
    assert.equal(pods.length, tb.pods.size)
    for (const o of pods) {
      const p = tb.pod(`${String(o.metadata.namespace)}/${String(o.metadata.name)}`)
      assert.equal((o.status as { podIP: string }).podIP, p.ipv4)
    }
  })

  it('sweeps a testbed whose owner died, while this one keeps working (two testbeds coexist)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] })
    const line = await waitForOutput(child, /^\{/, 20_000, 'crash-child')
    const info = JSON.parse(line) as { prefix: string, slot: number, namespaces: string[] }
    assert.notEqual(info.slot, tb.slot)
    assert.ok(info.namespaces.every((n) => n.startsWith(info.prefix)))
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    assert.ok((await netnsList()).includes(`${info.prefix}-node`), 'stale namespaces exist before the sweep')
    assert.ok(sweepStaleTestbeds().includes(info.prefix))
    const left = await netnsList()
    assert.deepEqual(left.filter((n) => n.startsWith(info.prefix)), [])
    assert.ok(left.includes(tb.nodeNs), 'the live testbed was not swept')
    const r = await tb.exec(CHECKOUT, ['getent', 'hosts', 'orders'])
    assert.equal(r.code, 0)
  })

  it('destroy() leaves no namespaces, /etc/netns dirs, processes or state file (and is idempotent)', async () => {
    const sleeper = tb.spawn(CHECKOUT, ['sleep', '30'])
    const pid = sleeper.pid ?? -1
    const netnses = [...new Set([tb.nodeNs, tb.dnsNs, tb.internetNs, ...[...tb.pods.values()].map((p) => p.netns)])]
    await tb.destroy()
    await tb.destroy()
    const left = await netnsList()
    assert.deepEqual(left.filter((n) => n.startsWith(tb.prefix)), [])
    for (const ns of netnses) assert.equal(existsSync(`/etc/netns/${ns}`), false, `/etc/netns/${ns}`)
    assert.equal(existsSync(`/proc/${pid}`), false, 'spawned process killed')
    assert.ok(!readdirSync(STATE_DIR).includes(`slot-${tb.slot}.json`))
  })
})
