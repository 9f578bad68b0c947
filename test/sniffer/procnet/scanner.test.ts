/**
 * Real scan: a TCP server in one namespace of our own, a client in another (veth between them),
 * connections held open over IPv4 (to a dual-stack listener: the server side shows it in tcp6 as
 * ::ffff:a.b.c.d) and IPv6. Needs root; never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from '../../../src/metrics/lean-registry.js'
import { createLogger } from '../../../src/log/logger.js'
import { createSnifferMetrics } from '../../../sniffer/metrics.js'
import { createScanner } from '../../../sniffer/procnet/scanner.js'
import type { Session } from '../../../sniffer/procnet/sessions.js'
import { createLab, jsonLines, requireRoot, type Lab } from '../capture/netns.js'

const o = 1 + (process.pid % 250)
const ip = { a4: `10.251.${o}.1`, b4: `10.251.${o}.2`, a6: `fd00:251:${o}::1`, b6: `fd00:251:${o}::2` }
const port = 18_000 + (process.pid % 1000)
let lab: Lab
let serverPid: number
let clientPid: number
let sleeperPid: number
let tmp: string

const SERVER = `
const net = require('node:net')
const server = net.createServer((c) => { c.on('error', () => {}) })
server.listen(${port}, '::', () => { console.log(JSON.stringify({ listening: true })) })
setTimeout(() => process.exit(0), 60000)
`
const CLIENT = `
const net = require('node:net')
const sockets = []
let ready = 0
for (const host of ['${ip.a4}', '${ip.a6}']) {
  const s = net.connect({ host, port: ${port} }, () => { if (++ready === 2) console.log(JSON.stringify({ connected: sockets.map((x) => x.localPort) })) })
  s.on('error', (err) => { console.error(err); process.exit(1) })
  sockets.push(s)
}
setTimeout(() => process.exit(0), 60000)
`

before(async () => {
  requireRoot()
  lab = createLab('scan')
  tmp = mkdtempSync(join(tmpdir(), 'podmap-scan-'))
  try {
    lab.addNamespace('a')
    lab.addNamespace('b')
    const tag = process.pid.toString(36)
    lab.link({ ns: 'a', ifname: `sa${tag}`, addrs: [`${ip.a4}/30`, `${ip.a6}/64`] }, { ns: 'b', ifname: `sb${tag}`, addrs: [`${ip.b4}/30`, `${ip.b6}/64`] })
    const server = lab.spawnIn('a', [process.execPath, '-e', SERVER])
    await jsonLines(server).next((v) => v.listening === true, 15_000)
    const client = lab.spawnIn('b', [process.execPath, '-e', CLIENT])
    await jsonLines(client).next((v) => Array.isArray(v.connected), 15_000)
    const sleeper = lab.spawnIn('a', ['sleep', '60']) // a second process in the server's namespace
    serverPid = server.pid!
    clientPid = client.pid!
    sleeperPid = sleeper.pid!
  } catch (err) {
    lab.destroy()
    throw err
  }
})

after(() => {
  lab?.destroy()
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
})

/** A procRoot holding only the given pids (symlinks into /proc), plus one that never existed. */
function procWith (name: string, pids: number[]): string {
  const dir = mkdtempSync(join(tmp, `${name}-`))
  for (const pid of pids) symlinkSync(`/proc/${pid}`, join(dir, String(pid)))
  symlinkSync('/proc/999999999', join(dir, '999999999')) // a process that is gone
  symlinkSync('/proc/self', join(dir, 'self')) // not numeric: ignored
  return dir
}

function setup (procRoot: string) {
  const metrics = createSnifferMetrics(new Registry())
  const scanner = createScanner({ procRoot, metrics, log: createLogger({ level: 'silent', component: 'test' }), concurrency: 2 })
  return { scanner, metrics }
}

const mine = (sessions: Session[]): Session[] => sessions.filter((s) => s.port === port && [ip.a4, ip.a6].includes(s.server))
const expected: Session[] = [
  { client: ip.b4, server: ip.a4, port, protocol: 'TCP' },
  { client: ip.b6, server: ip.a6, port, protocol: 'TCP' }
]
const sorted = (s: Session[]): Session[] => [...s].sort((x, y) => x.client.localeCompare(y.client))

test('server side alone: sessions classified from the listener (IPv4 via ::ffff: is plain IPv4)', async () => {
  const { scanner, metrics } = setup(procWith('server', [serverPid, sleeperPid]))
  const result = await scanner.scan()
  assert.equal(result.namespaces, 1) // two processes, one namespace, read once
  assert.deepEqual(sorted(result.sessions), sorted(expected.map((s) => ({ ...s, side: 'server' as const }))), 'only the server\'s end is here')
  assert.equal((await metrics.scanErrors.get()).values.length, 0) // the vanished pid is not an error
  assert.equal((await metrics.scanNamespaces.get()).values[0]?.value, 1)
  assert.equal((await metrics.sockets.get()).values.find((v) => v.labels.protocol === 'TCP')?.value, 2)
})

test('client side alone: the same sessions, classified from the connecting end', async () => {
  const { scanner } = setup(procWith('client', [clientPid]))
  const result = await scanner.scan()
  assert.equal(result.namespaces, 1)
  assert.deepEqual(sorted(result.sessions), sorted(expected.map((s) => ({ ...s, side: 'client' as const }))), 'only the client\'s end is here')
})

test('the whole /proc: each session once, though both ends are on this machine (so with no side)', async () => {
  const { scanner, metrics } = setup('/proc')
  const result = await scanner.scan()
  assert.deepEqual(sorted(mine(result.sessions)), sorted(expected))
  assert.ok(result.namespaces >= 3, `namespaces ${result.namespaces}`) // root, a, b at least
  assert.equal((await metrics.scanDuration.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value, 1)
})
