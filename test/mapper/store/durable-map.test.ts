import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DurableMap } from '../../../mapper/store/durable-map.js'
import type { Call } from '../../../mapper/store/call.js'
import { createLogger } from '../../../src/log/logger.js'

const log = createLogger({ level: 'silent', component: 'mapper' })
const T = Date.parse('2026-11-26T10:15:00Z')
const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
const orders = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
const partner = { kind: 'External', name: 'api.partner.example' }

const call = (over: Partial<Call> = {}): Call => ({ client: checkout, server: orders, port: { port: 8080, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: 1, ...over })

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-state-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

test('what was recorded comes back after a reopen, without a clean close (as after kill -9)', () => withDir(async (dir) => {
  const a = new DurableMap({ stateDir: dir, log })
  await a.open()
  await a.record([call(), call({ evidence: 'dns', port: undefined }), call({ server: partner, port: { port: 443, protocol: 'TCP' }, addresses: ['198.51.100.7'] })])
  await a.record([call({ first: T + 3_600_000, last: T + 3_600_000, port: { port: 9090, protocol: 'TCP' } })])
  await a.pin({ name: 'baseline', createdAt: T, edges: a.store.list() })
  const before = a.store.list()
  // no close(): the process "dies" here
  const b = new DurableMap({ stateDir: dir, log })
  await b.open()
  assert.deepEqual(b.store.list(), before)
  assert.deepEqual(b.getPin('baseline')?.edges, before)
  assert.equal(b.recovered.walEntries > 0, true)
  await b.close()
}))

test('a torn last log line (a write that never completed) is dropped, the rest kept', () => withDir(async (dir) => {
  const a = new DurableMap({ stateDir: dir, log })
  await a.open()
  await a.record([call()])
  const wal = (await readdir(dir)).find((f) => f.startsWith('wal-')) as string
  await appendFile(join(dir, wal), '{"t":"calls","c":[[0,1,"tcp",80')
  const b = new DurableMap({ stateDir: dir, log })
  await b.open()
  assert.equal(b.store.size, 1)
  assert.ok(b.recovered.tornBytes > 0)
  await b.record([call({ count: 2 })])
  const c = new DurableMap({ stateDir: dir, log })
  await c.open()
  assert.equal([...c.store.records()][0]?.count, 3)
}))

test('checkpoints rotate the log and lose nothing; reset and unpin persist', () => withDir(async (dir) => {
  const a = new DurableMap({ stateDir: dir, log, checkpointBytes: 200 })
  await a.open()
  for (let i = 0; i < 20; i++) await a.record([call({ port: { port: 8000 + i, protocol: 'TCP' } })])
  await a.checkpoint()
  const files = await readdir(dir)
  assert.equal(files.filter((f) => f.startsWith('wal-')).length, 1, files.join(','))
  const b = new DurableMap({ stateDir: dir, log })
  await b.open()
  assert.equal(b.store.list()[0]?.ports.length, 20)
  await b.pin({ name: 'x', createdAt: T, edges: [] })
  await b.unpin('x')
  await b.reset()
  const c = new DurableMap({ stateDir: dir, log })
  await c.open()
  assert.equal(c.store.size, 0)
  assert.equal(c.getPin('x'), undefined)
}))

test('hourly buckets answer time windows; retention forgets old hours', () => {
  const m = new DurableMap({ log })
  void m.record([
    call({ first: T, last: T }),
    call({ first: T + 2 * 3_600_000, last: T + 2 * 3_600_000, port: { port: 9090, protocol: 'TCP' } })
  ])
  const all = m.store.list()
  assert.deepEqual(all[0]?.ports.map((p) => p.port), [8080, 9090])
  const late = m.store.list({ since: T + 3_600_000 })
  assert.deepEqual(late[0]?.ports.map((p) => p.port), [9090])
  assert.equal(late[0]?.firstSeen, new Date(T + 2 * 3_600_000).toISOString())
  assert.deepEqual(m.store.list({ until: T - 1 }), [])
  m.store.prune(T + 3_600_000 * 1.9)
  assert.deepEqual(m.store.list()[0]?.ports.map((p) => p.port), [9090])
})

test('a late owner renames an identity: its edges merge into the real workload', () => {
  const m = new DurableMap({ log })
  const job = { kind: 'Job', namespace: 'batch', name: 'nightly-1' }
  const cron = { kind: 'CronJob', namespace: 'batch', name: 'nightly' }
  void m.record([call({ client: job }), call({ client: cron, port: { port: 9090, protocol: 'TCP' } })])
  assert.equal(m.store.size, 2)
  void m.rekey(job, cron)
  const edges = m.store.list()
  assert.equal(edges.length, 1)
  assert.deepEqual(edges[0]?.client, cron)
  assert.deepEqual(edges[0]?.ports.map((p) => p.port), [8080, 9090])
})

test('checkpoint race: a call acknowledged while the new log is being opened survives a crash (it went to the deleted old log)', () => withDir(async (dir) => {
  let release!: () => void
  let holding = false
  const held = new Promise<void>((resolve) => { release = resolve })
  const a = new DurableMap({
    stateDir: dir,
    log,
    beforeWalOpen: async () => { if (holding) await held }
  })
  await a.open()
  await a.record([call()])
  holding = true
  const checkpoint = a.checkpoint()
  // The checkpoint has serialised the map and is now waiting for its new log to open.
  let acked = false
  const recorded = a.record([call({ server: partner, port: { port: 443, protocol: 'TCP' }, addresses: ['198.51.100.9'] })]).then(() => { acked = true })
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(acked, false, 'not acknowledged before it is on disk')
  release()
  await recorded
  await checkpoint
  assert.equal(acked, true)
  // kill -9: no close()
  const b = new DurableMap({ stateDir: dir, log })
  await b.open()
  assert.deepEqual(b.store.list().map((e) => e.server.name).sort(), ['api.partner.example', 'orders'], 'the call acknowledged during the checkpoint is there')
  await b.close()
}))

test('times no Date can hold, logged by an older version, are skipped on replay instead of failing every map read', () => withDir(async (dir) => {
  const a = new DurableMap({ stateDir: dir, log })
  await a.open()
  await a.record([call()])
  // What an older mapper wrote for a report whose lastSeen was a huge integer.
  await a.record([call({ server: partner, last: 1e20, first: T })])
  const b = new DurableMap({ stateDir: dir, log })
  await b.open()
  assert.equal(b.recovered.badCalls, 1)
  assert.deepEqual(b.store.list().map((e) => e.server.name), ['orders'])
  assert.doesNotThrow(() => b.store.listJson())
  await b.close()
}))
