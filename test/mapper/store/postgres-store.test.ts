/**
 * The PostgreSQL store on a real PostgreSQL server started for this file (test/testbed/postgres/):
 * the MapStore contract suite, the same answers as the embedded store for a generated workload
 * (windows, explain, the edge series, after roll-ups, renames and retention), migrations applied once
 * under their lock by concurrent replicas, one replica leading the periodic jobs, and 503
 * (StoreUnavailable) while the server is down.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { PostgresStore } from '../../../mapper/store/postgres/postgres-store.js'
import { EmbeddedStore } from '../../../mapper/store/embedded-store.js'
import { MIGRATIONS } from '../../../mapper/store/postgres/migrations.js'
import type { MapStore } from '../../../mapper/store/map-store.js'
import type { Call } from '../../../mapper/store/call.js'
import { StoreUnavailable } from '../../../src/errors/catalogue.js'
import { createLogger } from '../../../src/log/logger.js'
import { startPostgres, type PostgresServer } from '../../testbed/postgres/postgres-server.js'
import { H, T, call, checkout, mapStoreSuite, orders, partner } from './map-store-suite.js'

const log = createLogger({ level: 'silent', component: 'mapper' })
let server: PostgresServer
let databases = 0
const database = async (): Promise<string> => await server.createDatabase(`t${++databases}`)

before(async () => { server = await startPostgres({ fsync: false }) })
after(async () => { await server.stop() })

mapStoreSuite('postgres', {
  fresh: async () => {
    const dsn = await database()
    const opened: MapStore[] = []
    return {
      open: async (o) => {
        const s = new PostgresStore({ dsn, cluster: 'test', log, ...o })
        await s.open()
        opened.push(s)
        return s
      },
      cleanup: async () => { for (const s of opened) await s.close() }
    }
  }
})

/** A small deterministic generator (the workload must be the same on every run). */
function rng (seed: number): () => number {
  let x = seed
  return () => { x = (x * 1_103_515_245 + 12_345) % 2_147_483_648; return x / 2_147_483_648 }
}

function workload (seed: number, n: number): Call[][] {
  const r = rng(seed)
  const pick = <X>(xs: X[]): X => xs[Math.floor(r() * xs.length)] as X
  const ids = [checkout, orders, partner, { kind: 'StatefulSet', namespace: 'db', name: 'pg' }, { kind: 'Job', namespace: 'batch', name: 'nightly-1' }, { kind: 'Deployment', namespace: 'shop', name: 'orders' }]
  const batches: Call[][] = []
  for (let b = 0; b < n; b++) {
    const batch: Call[] = []
    for (let i = 0; i < 1 + Math.floor(r() * 30); i++) {
      const first = T - 72 * H + Math.floor(r() * 76 * H)
      const evidence = pick(['dns', 'tcp', 'udp'] as const)
      batch.push({
        client: pick(ids.slice(0, 5)),
        server: pick(ids),
        evidence,
        ...(evidence === 'dns' ? {} : { port: { port: pick([53, 80, 443, 8080]), protocol: evidence === 'udp' ? 'UDP' as const : 'TCP' as const } }),
        ...(r() < 0.3 ? { addresses: [`198.51.100.${Math.floor(r() * 90)}`] } : {}),
        ...(r() < 0.5 ? { name: `n${Math.floor(r() * 24)}.example` } : {}),
        node: `node-${Math.floor(r() * 20)}`,
        first,
        last: first + Math.floor(r() * 2 * H),
        count: 1 + Math.floor(r() * 5)
      })
    }
    batches.push(batch)
  }
  return batches
}

async function sameAnswers (a: MapStore, b: MapStore, what: string): Promise<void> {
  assert.deepEqual(await b.list(), await a.list(), `${what}: the map`)
  assert.deepEqual(JSON.parse(await b.listJson({ namespaces: ['shop'] })), JSON.parse(await a.listJson({ namespaces: ['shop'] })), `${what}: a namespace`)
  for (const [since, until] of [[T - 30 * H, T - 20 * H], [T - 90 * 60_000, undefined], [undefined, T - 50 * H], [T - 3 * H, T - 2 * H]]) {
    assert.deepEqual(await b.list({ since, until }), await a.list({ since, until }), `${what}: window ${since} ${until}`)
  }
  for (const e of await a.list()) {
    const k = (id: typeof e.client): string => `${id.kind}/${id.namespace ?? ''}/${id.name}`
    assert.deepEqual(await b.explain(k(e.client), k(e.server)), await a.explain(k(e.client), k(e.server)), `${what}: explain`)
    assert.deepEqual(await b.explain(k(e.client), k(e.server), T - 40 * H, T - 10 * H), await a.explain(k(e.client), k(e.server), T - 40 * H, T - 10 * H), `${what}: explain in a window`)
  }
  const ports = async (s: MapStore): Promise<string[]> => (await s.portCounts()).map((p) => JSON.stringify([p.client, p.server, p.port, p.protocol, p.count, p.lastSeen])).sort()
  assert.deepEqual(await ports(b), await ports(a), `${what}: the edge series`)
  assert.equal(await b.edgeCount(), await a.edgeCount(), `${what}: the edge count`)
}

test('the same workload gives the same answers as the embedded store: windows, explain, edge series, through roll-ups, renames and retention', async () => {
  const clock = { t: T }
  const embedded = new EmbeddedStore({ log, now: () => clock.t, hourlyHistoryMs: 24 * H })
  const store = new PostgresStore({ dsn: await database(), cluster: 'test', log, now: () => clock.t, hourlyHistoryMs: 24 * H })
  await embedded.open()
  await store.open()
  try {
    for (const batch of workload(7, 60)) { await embedded.record(batch); await store.record(batch) }
    await sameAnswers(embedded, store, 'recorded')
    clock.t = T + 30 * H
    assert.equal(await store.rollUp(), await embedded.rollUp())
    await sameAnswers(embedded, store, 'rolled up')
    await embedded.rekey({ kind: 'Job', namespace: 'batch', name: 'nightly-1' }, { kind: 'CronJob', namespace: 'batch', name: 'nightly' })
    await store.rekey({ kind: 'Job', namespace: 'batch', name: 'nightly-1' }, { kind: 'CronJob', namespace: 'batch', name: 'nightly' })
    await sameAnswers(embedded, store, 'renamed')
    for (const batch of workload(11, 20)) { await embedded.record(batch); await store.record(batch) }
    assert.equal(await store.prune(T - 40 * H), await embedded.prune(T - 40 * H))
    await sameAnswers(embedded, store, 'pruned')
  } finally {
    await embedded.close()
    await store.close()
  }
})

test('replicas starting together apply each migration once, under the lock; a database from a newer mapper is refused', async () => {
  const dsn = await database()
  const stores = [0, 1, 2].map(() => new PostgresStore({ dsn, cluster: 'test', log }))
  await Promise.all(stores.map(async (s) => { await s.open() }))
  const c = new pg.Client({ connectionString: dsn })
  await c.connect()
  try {
    const rows = (await c.query<{ version: number }>('SELECT version FROM podmap_schema_migrations ORDER BY version')).rows
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version))
    await c.query("INSERT INTO podmap_schema_migrations (version, name) VALUES (9999, 'from the future')")
    const old = new PostgresStore({ dsn, cluster: 'test', log })
    await assert.rejects(old.open(), /schema migrations 9999 that this mapper does not know/)
    await old.close()
  } finally {
    await c.end()
    for (const s of stores) await s.close()
  }
})

test('one replica per cluster leads the periodic jobs; another takes over when it is gone', async () => {
  const dsn = await database()
  const a = new PostgresStore({ dsn, cluster: 'east', log })
  const b = new PostgresStore({ dsn, cluster: 'east', log })
  const other = new PostgresStore({ dsn, cluster: 'west', log })
  for (const s of [a, b, other]) await s.open()
  try {
    assert.equal(await a.leadsJobs(), true)
    assert.equal(await a.leadsJobs(), true, 'still leading')
    assert.equal(await b.leadsJobs(), false)
    assert.equal(await other.leadsJobs(), true, 'another cluster has its own leader')
    await a.close()
    assert.equal(await b.leadsJobs(), true)
  } finally {
    await b.close()
    await other.close()
  }
})

test('clusters sharing a database keep their own maps', async () => {
  const dsn = await database()
  const east = new PostgresStore({ dsn, cluster: 'east', log })
  const west = new PostgresStore({ dsn, cluster: 'west', log })
  await east.open()
  await west.open()
  try {
    await east.record([call()])
    await west.record([call({ server: partner }), call()])
    assert.equal(await east.edgeCount(), 1)
    assert.equal(await west.edgeCount(), 2)
    const fleet = await east.list({ clusters: ['east', 'west'] })
    assert.deepEqual(fleet.map((e) => [e.cluster, e.server.name]), [['east', 'orders'], ['west', 'orders'], ['west', 'api.partner.example']], 'a fleet read through either cluster\'s mapper')
    assert.deepEqual(await west.clusters(), [{ name: 'east', edges: 1 }, { name: 'west', edges: 2 }])
    assert.equal(await east.reset(), 1)
    assert.equal((await west.list()).length, 2)
    assert.deepEqual(await east.clusters(), [{ name: 'east', edges: 0 }, { name: 'west', edges: 2 }], 'its own cluster is listed even when empty')
  } finally {
    await east.close()
    await west.close()
  }
})

test('while the server is down every call fails with StoreUnavailable (503); after it is back the store carries on', async () => {
  const store = new PostgresStore({ dsn: await database(), cluster: 'test', log, connectTimeoutMs: 1000 })
  await store.open()
  try {
    await store.record([call()])
    await server.restart(0)
    // The pool's connections were cut by the restart: the first use finds out and the next reconnects.
    await store.record([call({ port: { port: 9090, protocol: 'TCP' } })]).catch((err: Error) => { assert.ok(StoreUnavailable.is(err), err.message) })
    await store.record([call({ port: { port: 9091, protocol: 'TCP' } })])
    assert.ok((await store.list())[0]?.ports.some((p) => p.port === 9091))
    const down = server.restart(3000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await assert.rejects(store.record([call()]), (err: Error) => StoreUnavailable.is(err) && err.statusCode === 503)
    await assert.rejects(store.list(), (err: Error) => StoreUnavailable.is(err))
    await down
    await store.record([call({ port: { port: 9092, protocol: 'TCP' } })])
    assert.ok((await store.list())[0]?.ports.some((p) => p.port === 9092))
  } finally {
    await store.close()
  }
})
