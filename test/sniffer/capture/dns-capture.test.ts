/**
 * Real capture: three namespaces of our own, client C -- node N (forwarding) -- server S, joined by
 * veths. libpcap runs in a child process inside a namespace (capture-child.ts); DNS responses built
 * with dns-packet are sent over UDP from source port 53 (send-child.cjs). Needs root; never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'
import { createLab, jsonLines, requireRoot, type Lab } from './netns.js'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
const o = 1 + (process.pid % 250)
const ip = {
  c4: `10.250.${o}.2`, n4c: `10.250.${o}.1`, n4s: `10.250.${o}.5`, s4: `10.250.${o}.6`,
  c6: `fd00:250:${o}::2`, n6c: `fd00:250:${o}::1`, n6s: `fd00:250:${o}:1::1`, s6: `fd00:250:${o}:1::2`
}
let lab: Lab

before(() => {
  requireRoot()
  lab = createLab('cap')
  try {
    for (const ns of ['c', 'n', 's']) lab.addNamespace(ns)
    const tag = process.pid.toString(36)
    lab.link({ ns: 'c', ifname: `pc${tag}c`, addrs: [`${ip.c4}/30`, `${ip.c6}/64`] }, { ns: 'n', ifname: `pc${tag}n`, addrs: [`${ip.n4c}/30`, `${ip.n6c}/64`] })
    lab.link({ ns: 's', ifname: `ps${tag}s`, addrs: [`${ip.s4}/30`, `${ip.s6}/64`] }, { ns: 'n', ifname: `ps${tag}n`, addrs: [`${ip.n4s}/30`, `${ip.n6s}/64`] })
    lab.exec('c', ['ip', 'route', 'add', `10.250.${o}.4/30`, 'via', ip.n4c])
    lab.exec('c', ['ip', '-6', 'route', 'add', `fd00:250:${o}:1::/64`, 'via', ip.n6c])
    lab.exec('s', ['ip', 'route', 'add', `10.250.${o}.0/30`, 'via', ip.n4s])
    lab.exec('s', ['ip', '-6', 'route', 'add', `fd00:250:${o}::/64`, 'via', ip.n6s])
    lab.exec('n', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
    lab.exec('n', ['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1'])
    // Resolve neighbours before any capture starts, so no test packet waits in a neighbour queue.
    for (const address of [ip.c4, ip.c6]) lab.ping('s', address)
    lab.ping('n', ip.c4)
  } catch (err) {
    lab.destroy()
    throw err
  }
})

after(() => { lab?.destroy() })

function response (id: number, name: string, type: 'A' | 'AAAA', data: string[], rcode = 0): string {
  const buf = dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type, name }],
    answers: data.map((d) => ({ type, name, ttl: 30, data: d }))
  })
  buf[3] = (buf[3]! & 0xf0) | rcode
  return buf.toString('hex')
}

function send (ns: string, messages: Array<{ src: string, dst: string, port: number, hex: string }>): void {
  lab.exec(ns, [process.execPath, here('./send-child.cjs'), JSON.stringify(messages)])
}

async function startCapture (ns: string, device: string, kernelFilters = 'answers,direction') {
  const child = lab.spawnIn(ns, [process.execPath, '--import', 'tsx', here('./capture-child.ts'), device, kernelFilters])
  const lines = jsonLines(child)
  const ready = await lines.next((v) => v.ready !== undefined, 20_000)
  return {
    linkType: ready.ready as string,
    lines,
    stats: async () => {
      const before = lines.all.length
      child.stdin!.write('stats\n')
      return (await lines.next((v) => v.stats !== undefined && lines.all.indexOf(v) >= before, 10_000)).stats
    },
    refresh: async (): Promise<boolean> => {
      const before = lines.all.length
      child.stdin!.write('refresh\n')
      return (await lines.next((v) => v.refreshed !== undefined && lines.all.indexOf(v) >= before, 10_000)).refreshed
    },
    stop: () => { child.stdin!.end() }
  }
}

test('capture on a veth (Ethernet) decodes IPv4 A and IPv6 AAAA responses sent to this namespace', async () => {
  const cap = await startCapture('c', `pc${process.pid.toString(36)}c`)
  try {
    assert.equal(cap.linkType, 'ETHERNET')
    send('s', [
      { src: ip.s4, dst: ip.c4, port: 40001, hex: response(101, 'web.shop.svc.cluster.local', 'A', ['10.96.7.7']) },
      { src: ip.s6, dst: ip.c6, port: 40002, hex: response(102, 'Web6.Shop.svc.cluster.local', 'AAAA', ['fd00:96::7']) }
    ])
    const a = await cap.lines.next((v) => v.response?.name === 'web.shop.svc.cluster.local', 10_000)
    assert.equal(a.response.client, ip.c4)
    assert.deepEqual(a.response.answers, ['10.96.7.7'])
    assert.equal(a.response.ttl, 30)
    const aaaa = await cap.lines.next((v) => v.response?.name === 'web6.shop.svc.cluster.local', 10_000)
    assert.equal(aaaa.response.client, ip.c6)
    assert.deepEqual(aaaa.response.answers, ['fd00:96::7'])
    const stats = await cap.stats()
    assert.equal(stats.dnsResponses, 2)
    assert.equal(stats.duplicatePackets, 0)
    assert.deepEqual(stats.errors, {})
  } finally {
    cap.stop()
  }
})

const forwardedAndLocal = (): void => {
  send('s', [
    { src: ip.s4, dst: ip.c4, port: 40011, hex: response(201, 'fwd4.example', 'A', ['192.0.2.4']) },
    { src: ip.s6, dst: ip.c6, port: 40012, hex: response(202, 'fwd6.example', 'AAAA', ['2001:db8::6']) },
    { src: ip.s4, dst: ip.c4, port: 40013, hex: response(203, 'missing.example', 'A', [], 3) },
    { src: ip.s4, dst: ip.c4, port: 40015, hex: response(205, 'nodata.example', 'A', []) }
  ])
  // A resolver on the node's own network: only the copy leaving towards the client exists.
  send('n', [{ src: ip.n4c, dst: ip.c4, port: 40014, hex: response(204, 'local.example', 'A', ['192.0.2.9']) }])
}

test('capture on `any` in a forwarding namespace: the kernel passes one copy of each forwarded response and the node\'s own, no NXDOMAIN or NODATA', async () => {
  const cap = await startCapture('n', 'any')
  try {
    assert.equal(cap.linkType, 'LINKTYPE_LINUX_SLL')
    forwardedAndLocal()
    for (const name of ['fwd4.example', 'fwd6.example', 'local.example']) {
      await cap.lines.next((v) => v.response?.name === name, 10_000)
    }
    const stats = await cap.stats()
    const responses = cap.lines.all.filter((v: any) => v.response !== undefined).map((v: any) => `${v.response.client} ${v.response.name}`)
    assert.deepEqual(responses.sort(), [`${ip.c4} fwd4.example`, `${ip.c4} local.example`, `${ip.c6} fwd6.example`].sort())
    // Forwarded: the arriving copy only; sent from N itself: its one (outgoing) copy. The NXDOMAIN
    // and the NODATA stay in the kernel: libpcap received exactly what was decoded.
    assert.equal(stats.packets, 3)
    assert.equal(stats.pcapReceived, 3)
    assert.equal(stats.duplicatePackets, 0)
    assert.equal(stats.dnsResponses, 3)
    assert.deepEqual(stats.skipped, {})
    assert.deepEqual(stats.errors, {})
  } finally {
    cap.stop()
  }
})

test('capture on `any` with --pcap-kernel-filter=none: every copy reaches user space, a forwarded response is counted once, NXDOMAIN and NODATA skipped there', async () => {
  const cap = await startCapture('n', 'any', 'none')
  try {
    forwardedAndLocal()
    for (const name of ['fwd4.example', 'fwd6.example', 'local.example']) {
      await cap.lines.next((v) => v.response?.name === name, 10_000)
    }
    const stats = await cap.stats()
    // Forwarded: seen on both veths (4 messages x 2); sent from N itself: seen once, outgoing.
    assert.equal(stats.packets, 9)
    assert.equal(stats.pcapReceived, 9)
    assert.equal(stats.duplicatePackets, 4)
    assert.equal(stats.dnsResponses, 3)
    assert.deepEqual(stats.skipped, { nxdomain: 1, 'no-address': 1 })
    assert.deepEqual(stats.errors, {})
  } finally {
    cap.stop()
  }
})

test('capture on `any`: a response to a client on the node itself (only an arriving copy) is seen', async () => {
  const cap = await startCapture('n', 'any')
  try {
    send('s', [{ src: ip.s4, dst: ip.n4s, port: 40016, hex: response(206, 'to-node.example', 'A', ['192.0.2.16']) }])
    const r = await cap.lines.next((v) => v.response?.name === 'to-node.example', 10_000)
    assert.equal(r.response.client, ip.n4s)
    assert.equal((await cap.stats()).packets, 1)
  } finally {
    cap.stop()
  }
})

test('capture on `any`: a resolver address that appears on the node is kept once the node\'s addresses are read again', async () => {
  const cap = await startCapture('n', 'any')
  const extra = `10.250.${o}.9`
  try {
    lab.exec('n', ['ip', 'addr', 'add', `${extra}/32`, 'dev', 'lo'])
    // Not yet a known source: its responses (outgoing copies only) stay in the kernel. The marker,
    // forwarded after it, shows the capture got that far.
    send('n', [{ src: extra, dst: ip.c4, port: 40017, hex: response(207, 'before-refresh.example', 'A', ['192.0.2.17']) }])
    send('s', [{ src: ip.s4, dst: ip.c4, port: 40018, hex: response(208, 'marker.example', 'A', ['192.0.2.18']) }])
    await cap.lines.next((v) => v.response?.name === 'marker.example', 10_000)
    assert.equal(cap.lines.all.some((v: any) => v.response?.name === 'before-refresh.example'), false)
    assert.equal(await cap.refresh(), true)
    assert.equal(await cap.refresh(), false, 'unchanged addresses leave the filter alone')
    send('n', [{ src: extra, dst: ip.c4, port: 40019, hex: response(209, 'after-refresh.example', 'A', ['192.0.2.19']) }])
    const r = await cap.lines.next((v) => v.response?.name === 'after-refresh.example', 10_000)
    assert.equal(r.response.client, ip.c4)
  } finally {
    cap.stop()
    lab.exec('n', ['ip', 'addr', 'del', `${extra}/32`, 'dev', 'lo'])
  }
})

function responseBuffer (id: number, name: string, type: 'A' | 'AAAA', data: string[]): Buffer {
  return Buffer.from(response(id, name, type, data), 'hex')
}

async function tcpServer (port: number, messages: Buffer[]): Promise<void> {
  const server = lab.spawnIn('s', [process.execPath, here('./tcp-child.cjs'), 'server', '::', String(port), JSON.stringify(messages.map((m) => m.toString('hex')))])
  await jsonLines(server).next((v) => v.ready === true, 10_000)
}

async function tcpClient (mode: 'client' | 'connect', host: string, port: number): Promise<void> {
  const client = lab.spawnIn('c', [process.execPath, here('./tcp-child.cjs'), mode, host, String(port)])
  let stderr = ''
  client.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>((resolve) => client.once('exit', resolve))
  assert.equal(code, 0, `${mode} ${host} ${port} exited ${code}: ${stderr}`)
}

test('DNS over TCP (IPv4 and IPv6): a response split over segments and two pipelined in one, each counted once on `any`', async () => {
  const cap = await startCapture('n', 'any')
  try {
    const big = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 10}`) // ~700 bytes: more than one write
    await tcpServer(53, [
      responseBuffer(301, 'tcp-split.example', 'A', big),
      responseBuffer(302, 'tcp-two.example', 'AAAA', ['2001:db8::2']),
      responseBuffer(303, 'tcp-three.example', 'A', ['192.0.2.3'])
    ])
    await tcpClient('client', ip.s4, 53)
    await tcpClient('client', ip.s6, 53)
    for (const client of [ip.c4, ip.c6]) {
      for (const name of ['tcp-split.example', 'tcp-two.example', 'tcp-three.example']) {
        await cap.lines.next((v) => v.response?.name === name && v.response.client === client, 10_000)
      }
    }
    const stats = await cap.stats()
    const split = cap.lines.all.find((v: any) => v.response?.name === 'tcp-split.example') as any
    assert.deepEqual(split.response.answers, big)
    const responses = cap.lines.all.filter((v: any) => v.response !== undefined)
    assert.equal(responses.length, 6)
    assert.equal(stats.dnsResponses, 6)
    assert.deepEqual(stats.errors, {})
  } finally {
    cap.stop()
  }
})

test('a UDP response with TC set is skipped as truncated (the TCP retry carries the answer)', async () => {
  const cap = await startCapture('n', 'any')
  try {
    const tc = responseBuffer(401, 'tc.example', 'A', ['192.0.2.40'])
    tc[2] = tc[2]! | 0x02
    send('s', [
      { src: ip.s4, dst: ip.c4, port: 40021, hex: tc.toString('hex') },
      { src: ip.s4, dst: ip.c4, port: 40022, hex: response(402, 'after-tc.example', 'A', ['192.0.2.41']) }
    ])
    await cap.lines.next((v) => v.response?.name === 'after-tc.example', 10_000)
    const stats = await cap.stats()
    assert.equal(cap.lines.all.some((v: any) => v.response?.name === 'tc.example'), false)
    assert.deepEqual(stats.skipped, { truncated: 1 })
  } finally {
    cap.stop()
  }
})

test('a connection shorter than any scan is seen by its first SYN, IPv4 and IPv6, once on `any`', async () => {
  const cap = await startCapture('n', 'any')
  try {
    await tcpServer(8080, [responseBuffer(501, 'unused.example', 'A', ['192.0.2.50'])])
    await tcpClient('connect', ip.s4, 8080)
    await tcpClient('connect', ip.s6, 8080)
    const v4 = await cap.lines.next((v) => v.connect?.client === ip.c4, 10_000)
    assert.deepEqual({ server: v4.connect.server, port: v4.connect.port }, { server: ip.s4, port: 8080 })
    assert.ok(Number.isInteger(v4.connect.clientPort) && v4.connect.clientPort > 1024, `the client's ephemeral port: ${String(v4.connect.clientPort)}`)
    const v6 = await cap.lines.next((v) => v.connect?.client === ip.c6, 10_000)
    assert.deepEqual({ server: v6.connect.server, port: v6.connect.port }, { server: ip.s6, port: 8080 })
    const stats = await cap.stats()
    assert.equal(stats.syns, 2)
    assert.equal(cap.lines.all.filter((v: any) => v.connect !== undefined).length, 2)
  } finally {
    cap.stop()
  }
})
