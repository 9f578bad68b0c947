/**
 * Real scan of connected UDP sockets and of hostNetwork "pods": namespace `node` plays the node
 * (the scanner is told it is the host namespace), `srv` a server elsewhere. In `node`, one process
 * holds a TCP connection from inside a real cgroup v2 path of the systemd-driver form
 * (kubepods.slice/.../kubepods-besteffort-pod<uid>.slice/cri-containerd-<id>.scope), another a
 * connected UDP socket from a real cgroup v1 path of the cgroupfs form (pids:/kubepods/besteffort/
 * pod<uid>/<id>), a third (no pod) a connected UDP socket over IPv6. The cgroups are created here
 * and removed after. Needs root and this machine's hybrid cgroup layout; never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs'
import { randomUUID, randomBytes } from 'node:crypto'
import { Registry } from '../../../src/metrics/lean-registry.js'
import { createLogger } from '../../../src/log/logger.js'
import { createSnifferMetrics } from '../../../sniffer/metrics.js'
import { createScanner, type ScannedSession } from '../../../sniffer/procnet/scanner.js'
import { createSocketOwners, NOT_A_POD_SETTLES_MS } from '../../../sniffer/procnet/socket-owners.js'
import { createLab, jsonLines, requireRoot, type Lab } from '../capture/netns.js'

const o = 1 + ((process.pid + 7) % 250)
const ip = { n4: `10.252.${o}.1`, s4: `10.252.${o}.2`, n6: `fd00:252:${o}::1`, s6: `fd00:252:${o}::2` }
const tcpPort = 19_000 + (process.pid % 500)
const udpPort = 19_600 + (process.pid % 500)
const pod1 = { uid: randomUUID(), containerId: randomBytes(32).toString('hex') }
const pod2 = { uid: randomUUID(), containerId: randomBytes(32).toString('hex') }
const pod3 = { uid: randomUUID(), containerId: randomBytes(32).toString('hex') }
// Hybrid layouts (this machine) mount cgroup v2 at unified/; pure v2 hosts at the root.
const V2 = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup'
const V1 = '/sys/fs/cgroup/pids'
const v2Dirs = [`${V2}/kubepods.slice`, `${V2}/kubepods.slice/kubepods-besteffort.slice`,
  `${V2}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${pod1.uid.replaceAll('-', '_')}.slice`,
  `${V2}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${pod1.uid.replaceAll('-', '_')}.slice/cri-containerd-${pod1.containerId}.scope`]
const pod3Dir = `${V2}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${pod3.uid.replaceAll('-', '_')}.slice`
const v2LateDirs = [pod3Dir, `${pod3Dir}/cri-containerd-${pod3.containerId}.scope`]
const v1Dirs = [`${V1}/kubepods`, `${V1}/kubepods/besteffort`, `${V1}/kubepods/besteffort/pod${pod2.uid}`, `${V1}/kubepods/besteffort/pod${pod2.uid}/${pod2.containerId}`]
const created: string[] = []
let lab: Lab
let hostNetns: string
let tcpHolder: number

const SERVERS = `
const net = require('node:net'); const dgram = require('node:dgram')
net.createServer((c) => { c.on('error', () => {}) }).listen(${tcpPort}, '::')
const u4 = dgram.createSocket('udp4'); u4.bind(${udpPort}, '${ip.s4}')
const u6 = dgram.createSocket('udp6'); u6.bind(${udpPort}, '${ip.s6}')
setTimeout(() => console.log(JSON.stringify({ ready: true })), 200)
setTimeout(() => process.exit(0), 60000)
`
// Waits for "go" on stdin (after being moved into its cgroup), then opens its socket and holds it.
const holder = (kind: 'tcp' | 'udp4' | 'udp6', host: string, port: number): string => `
const net = require('node:net'); const dgram = require('node:dgram')
setTimeout(() => process.exit(0), 60000)
process.stdin.once('data', () => {
  if ('${kind}' === 'tcp') {
    const s = net.connect({ host: '${host}', port: ${port} }, () => console.log(JSON.stringify({ ready: true })))
    s.on('error', (e) => { console.error(e); process.exit(1) })
  } else {
    const s = dgram.createSocket('${kind}')
    s.connect(${port}, '${host}', () => s.send('hello', () => console.log(JSON.stringify({ ready: true }))))
  }
})
console.log(JSON.stringify({ started: true }))
`

function makeDirs (dirs: string[]): void {
  for (const dir of dirs) {
    if (!existsSync(dir)) { mkdirSync(dir); created.push(dir) }
  }
}

/** A holder started in the `node` namespace; `go` moves it into `cgroup` (if any), then it opens its socket. */
async function startHolder (kind: 'tcp' | 'udp4' | 'udp6', host: string, port: number): Promise<{ pid: number, go: (cgroup?: string) => Promise<void> }> {
  const child = lab.spawnIn('node', [process.execPath, '-e', holder(kind, host, port)])
  const lines = jsonLines(child)
  await lines.next((v) => v.started === true, 15_000)
  return {
    pid: child.pid!,
    go: async (cgroup) => {
      if (cgroup !== undefined) writeFileSync(`${cgroup}/cgroup.procs`, String(child.pid))
      child.stdin!.write('go\n')
      await lines.next((v) => v.ready === true, 15_000)
    }
  }
}

async function hold (kind: 'tcp' | 'udp4' | 'udp6', host: string, port: number, cgroup?: string): Promise<number> {
  const h = await startHolder(kind, host, port)
  await h.go(cgroup)
  return h.pid
}

/** The inodes of `pid`'s sockets, from its fds. */
function socketInodes (pid: number): Set<number> {
  const inodes = new Set<number>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { return '' } })()
    const m = /^socket:\[(\d+)\]$/.exec(link)
    if (m !== null) inodes.add(Number(m[1]))
  }
  return inodes
}

before(async () => {
  requireRoot()
  assert.ok(existsSync(`${V2}/cgroup.procs`) && existsSync(`${V1}/cgroup.procs`), 'this test needs cgroup v2 at /sys/fs/cgroup/unified and v1 pids at /sys/fs/cgroup/pids (hybrid layout)')
  lab = createLab('hostnet')
  try {
    lab.addNamespace('node')
    lab.addNamespace('srv')
    const tag = process.pid.toString(36)
    lab.link({ ns: 'node', ifname: `hn${tag}`, addrs: [`${ip.n4}/30`, `${ip.n6}/64`] }, { ns: 'srv', ifname: `hs${tag}`, addrs: [`${ip.s4}/30`, `${ip.s6}/64`] })
    const servers = lab.spawnIn('srv', [process.execPath, '-e', SERVERS])
    await jsonLines(servers).next((v) => v.ready === true, 15_000)
    makeDirs(v2Dirs)
    makeDirs(v1Dirs)
    tcpHolder = await hold('tcp', ip.s4, tcpPort, v2Dirs.at(-1))
    await hold('udp4', ip.s4, udpPort, v1Dirs.at(-1))
    const plain = await hold('udp6', ip.s6, udpPort)
    hostNetns = readlinkSync(`/proc/${plain}/ns/net`) // the "node" namespace plays the host's
  } catch (err) {
    cleanup()
    throw err
  }
})

function cleanup (): void {
  lab?.destroy()
  // Processes are gone (SIGKILLed by destroy): the cgroups are empty and can be removed, deepest first.
  for (const dir of created.reverse()) {
    for (let i = 0; i < 50; i++) {
      try { rmdirSync(dir); break } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100) }
    }
  }
  created.length = 0
}

after(cleanup)

test('connected UDP (IPv4 and IPv6) and TCP from hostNetwork processes: the right way round, attributed to their pods by cgroup (v2 systemd and v1 cgroupfs forms)', async () => {
  const metrics = createSnifferMetrics(new Registry())
  const scanner = createScanner({ procRoot: '/proc', metrics, log: createLogger({ level: 'warn', component: 'test' }), hostNetns })
  const result = await scanner.scan()
  const mine = (s: ScannedSession): boolean => [ip.s4, ip.s6].includes(s.server)
  const found = result.sessions.filter(mine).sort((a, b) => `${a.protocol}${a.server}`.localeCompare(`${b.protocol}${b.server}`))
  assert.deepEqual(found, [
    { client: ip.n4, server: ip.s4, port: tcpPort, protocol: 'TCP', clientPod: pod1 }, // both ends on this machine: no side
    // The UDP servers' sockets are unconnected: only the client's end is a session.
    { client: ip.n4, server: ip.s4, port: udpPort, protocol: 'UDP', side: 'client', clientPod: pod2 },
    { client: ip.n6, server: ip.s6, port: udpPort, protocol: 'UDP', side: 'client' }
  ])
  const udp = (await metrics.sockets.get()).values.find((v) => v.labels.protocol === 'UDP')
  assert.ok((udp?.value ?? 0) >= 2)
  // The TCP client's own end, for SYNs whose server DNAT changed (host-syns.ts): "address port TCP" -> its pod.
  const tcpEnds = [...result.podClientEnds].filter(([k, p]) => /^\S+ \d+ TCP$/.test(k) && k.startsWith(`${ip.n4} `) && p.uid === pod1.uid)
  assert.equal(tcpEnds.length, 1, JSON.stringify([...result.podClientEnds.keys()]))
})

test('a process first seen outside every pod\'s cgroup and moved into one (as runc and kubectl exec do): its socket is its pod\'s', async () => {
  makeDirs(v2LateDirs)
  const late = await startHolder('tcp', ip.s6, tcpPort)
  const scanner = createScanner({ procRoot: '/proc', metrics: createSnifferMetrics(new Registry()), log: createLogger({ level: 'warn', component: 'test' }), hostNetns })
  await scanner.scan() // sees the holder's process outside every pod
  await late.go(v2LateDirs.at(-1))
  const found = (await scanner.scan()).sessions.filter((s) => s.server === ip.s6 && s.protocol === 'TCP')
  assert.deepEqual(found, [{ client: ip.n6, server: ip.s6, port: tcpPort, protocol: 'TCP', clientPod: pod3 }])
})

test('socket owners: an inode whose process joined the namespace after the scan\'s listing is found among the pids that joined, and "not a pod\'s" is cached only once it has held', async () => {
  const inodes = socketInodes(tcpHolder)
  assert.ok(inodes.size > 0, `the holder ${tcpHolder} has sockets`)
  const owners = createSocketOwners('/proc', (reason) => assert.fail(reason))
  assert.equal((await owners.find(['1'], inodes)).size, 0, 'not among the listed pids')
  const joined: string[][] = []
  const found = await owners.find(['1'], inodes, async () => { joined.push([String(tcpHolder)]); return [String(tcpHolder)] })
  assert.equal(joined.length, 1)
  assert.deepEqual([...new Set(found.values())], [pod1])
  assert.deepEqual([...found.keys()].sort(), [...inodes].sort())

  // A process outside every pod, moved into one: re-read until it has been outside for NOT_A_POD_SETTLES_MS, then cached.
  let now = 0
  const clocked = createSocketOwners('/proc', (reason) => assert.fail(reason), () => now)
  const outside = await startHolder('udp6', ip.s6, udpPort)
  await outside.go()
  const its = socketInodes(outside.pid)
  assert.equal((await clocked.find([String(outside.pid)], its)).size, 0)
  now += NOT_A_POD_SETTLES_MS
  assert.equal((await clocked.find([String(outside.pid)], its)).size, 0, 'outside for the whole time: now cached as no pod\'s')
  writeFileSync(`${v2LateDirs.at(-1)!}/cgroup.procs`, String(outside.pid))
  assert.equal((await clocked.find([String(outside.pid)], its)).size, 0, 'cached: the move is not seen')
  const fresh = createSocketOwners('/proc', (reason) => assert.fail(reason), () => now)
  assert.deepEqual([...new Set((await fresh.find([String(outside.pid)], its)).values())], [pod3], 'a fresh lookup sees the move (the cgroup really changed)')
})
