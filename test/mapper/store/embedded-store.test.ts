import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../../mapper/store/embedded-store.js'
import type { Call } from '../../../mapper/store/call.js'
import { createLogger } from '../../../src/log/logger.js'
import type { MapStore } from '../../../mapper/store/map-store.js'
import { mapStoreSuite } from './map-store-suite.js'

const log = createLogger({ level: 'silent', component: 'mapper' })
const T = Date.parse('2026-11-26T10:15:00Z')
const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
const orders = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
const partner = { kind: 'External', name: 'api.partner.example' }

/** The store's clock reads a few hours after T, so the calls below are within the hourly horizon. */
const store = (opts: Partial<EmbeddedStoreOptions> = {}): EmbeddedStore => new EmbeddedStore({ log, now: () => T + 6 * 3_600_000, ...opts })

const call = (over: Partial<Call> = {}): Call => ({ client: checkout, server: orders, port: { port: 8080, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: 1, ...over })

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-state-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

test('what was recorded comes back after a reopen, without a clean close (as after kill -9)', () => withDir(async (dir) => {
  const a = store({ stateDir: dir })
  await a.open()
  await a.record([call(), call({ evidence: 'dns', port: undefined }), call({ server: partner, port: { port: 443, protocol: 'TCP' }, addresses: ['198.51.100.7'] })])
  await a.record([call({ first: T + 3_600_000, last: T + 3_600_000, port: { port: 9090, protocol: 'TCP' } })])
  await a.pin({ name: 'baseline', createdAt: T, edges: a.edges.list() })
  const before = a.edges.list()
  // no close(): the process "dies" here
  const b = store({ stateDir: dir })
  await b.open()
  assert.deepEqual(b.edges.list(), before)
  assert.deepEqual((await b.getPin('baseline'))?.edges, before)
  assert.equal(b.recovered.walEntries > 0, true)
  await b.close()
}))

test('a torn last log line (a write that never completed) is dropped, the rest kept', () => withDir(async (dir) => {
  const a = store({ stateDir: dir })
  await a.open()
  await a.record([call()])
  const wal = (await readdir(dir)).find((f) => f.startsWith('wal-')) as string
  await appendFile(join(dir, wal), '{"t":"calls","c":[[0,1,"tcp",80')
  const b = store({ stateDir: dir })
  await b.open()
  assert.equal(b.edges.size, 1)
  assert.ok(b.recovered.tornBytes > 0)
  await b.record([call({ count: 2 })])
  const c = store({ stateDir: dir })
  await c.open()
  assert.equal([...c.edges.records()][0]?.count, 3)
}))

test('checkpoints rotate the log and lose nothing; reset and unpin persist', () => withDir(async (dir) => {
  const a = store({ stateDir: dir, checkpointBytes: 200 })
  await a.open()
  for (let i = 0; i < 20; i++) await a.record([call({ port: { port: 8000 + i, protocol: 'TCP' } })])
  await a.checkpoint()
  const files = await readdir(dir)
  assert.equal(files.filter((f) => f.startsWith('wal-')).length, 1, files.join(','))
  const b = store({ stateDir: dir })
  await b.open()
  assert.equal(b.edges.list()[0]?.ports.length, 20)
  await b.pin({ name: 'x', createdAt: T, edges: [] })
  await b.unpin('x')
  await b.reset()
  const c = store({ stateDir: dir })
  await c.open()
  assert.equal(c.edges.size, 0)
  assert.equal(await c.getPin('x'), undefined)
}))

test('hourly buckets answer time windows; retention forgets old hours', () => {
  const m = store()
  void m.record([
    call({ first: T, last: T }),
    call({ first: T + 2 * 3_600_000, last: T + 2 * 3_600_000, port: { port: 9090, protocol: 'TCP' } })
  ])
  const all = m.edges.list()
  assert.deepEqual(all[0]?.ports.map((p) => p.port), [8080, 9090])
  const late = m.edges.list({ since: T + 3_600_000 })
  assert.deepEqual(late[0]?.ports.map((p) => p.port), [9090])
  assert.equal(late[0]?.firstSeen, new Date(T + 2 * 3_600_000).toISOString())
  assert.deepEqual(m.edges.list({ until: T - 1 }), [])
  m.edges.prune(T + 3_600_000 * 1.9)
  assert.deepEqual(m.edges.list()[0]?.ports.map((p) => p.port), [9090])
})

test('a late owner renames an identity: its edges merge into the real workload', () => {
  const m = store()
  const job = { kind: 'Job', namespace: 'batch', name: 'nightly-1' }
  const cron = { kind: 'CronJob', namespace: 'batch', name: 'nightly' }
  void m.record([call({ client: job }), call({ client: cron, port: { port: 9090, protocol: 'TCP' } })])
  assert.equal(m.edges.size, 2)
  void m.rekey(job, cron)
  const edges = m.edges.list()
  assert.equal(edges.length, 1)
  assert.deepEqual(edges[0]?.client, cron)
  assert.deepEqual(edges[0]?.ports.map((p) => p.port), [8080, 9090])
})

test('checkpoint race: a call acknowledged while the new log is being opened survives a crash (it went to the deleted old log)', () => withDir(async (dir) => {
  let release!: () => void
  let holding = false
  const held = new Promise<void>((resolve) => { release = resolve })
  const a = store({ stateDir: dir, beforeWalOpen: async () => { if (holding) await held } })
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
  const b = store({ stateDir: dir })
  await b.open()
  assert.deepEqual(b.edges.list().map((e) => e.server.name).sort(), ['api.partner.example', 'orders'], 'the call acknowledged during the checkpoint is there')
  await b.close()
}))

test('times no Date can hold, logged by an older version, are skipped on replay instead of failing every map read', () => withDir(async (dir) => {
  const a = store({ stateDir: dir })
  await a.open()
  await a.record([call()])
  // What an older mapper wrote for a report whose lastSeen was a huge integer.
  await a.record([call({ server: partner, last: 1e20, first: T })])
  const b = store({ stateDir: dir })
  await b.open()
  assert.equal(b.recovered.badCalls, 1)
  assert.deepEqual(b.edges.list().map((e) => e.server.name), ['orders'])
  assert.doesNotThrow(() => b.edges.listJson())
  await b.close()
}))

test('a format-1 checkpoint (one Map per hour) is read, converted and replaced; nothing changes in the map', () => withDir(async (dir) => {
  const hour = Math.floor(T / 3_600_000) * 3_600_000
  const v1 = {
    format: 1,
    walGeneration: 3,
    savedAt: T,
    edges: [{ c: checkout, s: orders, f: T, l: T + 3_600_000, n: 5, b: [[hour, T, T + 10, [['tcp|8080/TCP', 3], ['dns|-', 1]]], [hour + 3_600_000, T + 3_600_000, T + 3_600_000, [['tcp|8080/TCP', 1]]]] }],
    pins: [{ name: 'old', createdAt: T, edges: [] }]
  }
  await writeFile(join(dir, 'map.json'), JSON.stringify(v1))
  const a = store({ stateDir: dir })
  await a.open()
  const edges = a.edges.list()
  assert.equal(edges.length, 1)
  assert.deepEqual(edges[0]?.evidence, ['dns', 'tcp'])
  assert.deepEqual(a.edges.list({ since: T + 1_800_000 })[0]?.evidence, ['tcp'], 'hours kept apart')
  assert.equal((await a.getPin('old'))?.name, 'old')
  const files = await readdir(dir)
  assert.ok(files.includes('map.ndjson') && !files.includes('map.json'), files.join(','))
  const b = store({ stateDir: dir })
  await b.open()
  assert.deepEqual(b.edges.list(), edges)
}))

test('reset frees the disk at once: the checkpoint and logs hold nothing of the old map', () => withDir(async (dir) => {
  const a = store({ stateDir: dir })
  await a.open()
  const many: Call[] = []
  for (let i = 0; i < 2000; i++) many.push(call({ client: { kind: 'Deployment', namespace: 'shop', name: `client-${i}` } }))
  await a.record(many)
  await a.checkpoint()
  const before = (await stat(join(dir, 'map.ndjson'))).size
  assert.equal(await a.reset(), 2000)
  const after = (await stat(join(dir, 'map.ndjson'))).size
  const walBytes = (await Promise.all((await readdir(dir)).filter((f) => f.startsWith('wal-')).map(async (f) => (await stat(join(dir, f))).size))).reduce((x, y) => x + y, 0)
  assert.ok(after < 200 && walBytes < 200, `checkpoint ${before} -> ${after} bytes, logs ${walBytes} bytes`)
}))

test('a restart does not rewrite the checkpoint: it replays the log and continues in a new generation', () => withDir(async (dir) => {
  const a = store({ stateDir: dir })
  await a.open()
  await a.record([call()])
  await a.checkpoint()
  await a.record([call({ port: { port: 8443, protocol: 'TCP' } })])
  const cp = await stat(join(dir, 'map.ndjson'))
  const b = store({ stateDir: dir })
  await b.open()
  assert.equal((await stat(join(dir, 'map.ndjson'))).mtimeMs, cp.mtimeMs)
  await b.record([call({ port: { port: 9090, protocol: 'TCP' } })])
  const c = store({ stateDir: dir })
  await c.open()
  assert.deepEqual(c.edges.list()[0]?.ports.map((p) => p.port), [8080, 8443, 9090], 'the checkpoint and both generations replayed')
  await c.checkpoint()
  assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('wal-')).length, 1, 'a checkpoint removes every older log')
}))

mapStoreSuite('embedded', {
  fresh: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podmap-state-'))
    const opened: MapStore[] = []
    return {
      open: async (o) => {
        const s = new EmbeddedStore({ log, stateDir: dir, ...o })
        await s.open()
        opened.push(s)
        return s
      },
      cleanup: async () => {
        for (const s of opened) await s.close()
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
})
