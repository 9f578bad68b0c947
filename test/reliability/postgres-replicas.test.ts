/**
 * Faults, shared state: two real mapper processes (`--store postgres`) on one real PostgreSQL server
 * (test/testbed/postgres/), with simulated sniffers reporting to both. The senders stand in for a
 * Service in front of the replicas: each attempt goes to the next replica, so a report refused or
 * unanswered by one is retried on the other.
 *
 * Mid-load, one replica is killed with SIGKILL: right after, the other replica's map holds every
 * record acknowledged before the kill. Later the PostgreSQL server itself is restarted: the mappers
 * answer 503 with Retry-After meanwhile, the senders keep their reports and retry, and at the end
 * every report is in the map, and the map read through either replica is the same.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from '../testbed/fake-apiserver.js'
import { startPostgres, type PostgresServer } from '../testbed/postgres/postgres-server.js'
import { shopObjects } from '../mapper/fixtures.js'
import { extName, uniqueReport } from './unique-reports.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { startMapperProcess, type MapperProcess } from './mapper-process.js'
import { SOAK, fmt, recordFigure } from './figures.js'

const SENDERS = 4
/** Each sender reports until the faults are over, then this many more (at most MAX_REPORTS in all). */
const AFTER_FAULTS = SOAK ? 200 : 15
const MAX_REPORTS = 500

let api: FakeApiServer
let pgServer: PostgresServer
let replicas: MapperProcess[] = []

before(async () => {
  pgServer = await startPostgres({ fsync: false })
  const dsn = await pgServer.createDatabase('replicas')
  api = await startFakeApiServer()
  api.load(shopObjects().map(([, o]) => structuredClone(o) as KubeObj))
  const args = ['--log-level', 'warn', '--store', 'postgres', '--store-dsn-file', '{dir}/dsn', '--cluster-name', 'test', '--report-rate', '0']
  // One after the other: both apply migrations under the lock anyway, but the test wants two ready replicas.
  for (let i = 0; i < 2; i++) replicas.push(await startMapperProcess(api, args, { dsn }))
})

after(async () => {
  for (const r of replicas) await r.cleanup()
  replicas = []
  await api?.close()
  await pgServer?.stop()
})

async function mapThrough (r: MapperProcess): Promise<string> {
  const res = await fetch(`${r.url}/api/v1/map`, { signal: AbortSignal.timeout(10_000) })
  assert.equal(res.status, 200, `GET /api/v1/map through ${r.url}`)
  return await res.text()
}

const externalNames = (text: string): Set<string> =>
  new Set(mapResponseSchema.parse(JSON.parse(text)).edges.filter((e) => e.server.kind === 'External').map((e) => e.server.name))

test(`two replicas on one PostgreSQL, ${SENDERS} senders: one replica SIGKILLed, then PostgreSQL restarted, mid-load; nothing acknowledged is lost, both replicas serve the same map`, async () => {
  const acked = new Set<string>()
  let sent = 0
  let retried = 0
  let unavailable = 0
  let unavailableWithRetryAfter = 0
  let turn = 0
  let faultsOver = false
  const sent0: number[] = Array.from({ length: SENDERS }, () => 0)
  const sender = async (s: number): Promise<void> => {
    let tail = 0
    for (let i = 0; i < MAX_REPORTS && tail < AFTER_FAULTS; i++) {
      if (faultsOver) tail++
      sent0[s] = i + 1
      const body = JSON.stringify(uniqueReport(s, i))
      let last = ''
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 600, `report ${s}/${i} delivered within 600 attempts; last answer: ${last}; replicas alive: ${replicas.map((r) => r.child.exitCode === null && r.child.signalCode === null).join(',')}\n${replicas.map((r) => r.logs.slice(-8).join('\n')).join('\n---\n')}`)
        const target = replicas[turn++ % replicas.length] as MapperProcess
        sent++
        let wait = 50
        try {
          const res = await fetch(`${target.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) })
          const text = await res.text()
          last = `${target.url} ${res.status} ${text.slice(0, 200)}`
          if (res.ok) {
            acked.add(extName(s, i))
            // A sniffer reports every few seconds; a short pause keeps the load going while the faults happen.
            await new Promise((resolve) => setTimeout(resolve, 20))
            break
          }
          assert.equal(res.status, 503, `only 503 while the database is away: ${res.status} ${text}`)
          unavailable++
          const after = res.headers.get('retry-after')
          if (after !== null && Number(after) > 0) unavailableWithRetryAfter++
          assert.match(text, /PODMAP_ERR_STORE_UNAVAILABLE|PODMAP_ERR_BUSY/)
          wait = 200 // a sniffer honours Retry-After; the test keeps it short
        } catch (err) {
          // Connection refused by the killed replica: keep the report, try the other. A failed assertion is not that.
          if ((err as Error).name === 'AssertionError') throw err
          last = `${target.url} ${(err as Error).message} ${String((err as { cause?: Error }).cause?.message ?? '')}`
        }
        retried++
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
  }
  const waitAcked = async (n: number): Promise<void> => {
    const deadline = Date.now() + 120_000
    while (acked.size < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const missingAfterKill: string[] = []
  let restartedDatabase = false
  const faults = async (): Promise<void> => {
    await waitAcked(60)
    const [victim, survivor] = replicas as [MapperProcess, MapperProcess]
    await victim.stop('SIGKILL')
    const ackedAtKill = new Set(acked)
    const present = externalNames(await mapThrough(survivor))
    for (const n of ackedAtKill) if (!present.has(n)) missingAfterKill.push(n)
    await victim.restart()
    await waitAcked(acked.size + 40)
    await pgServer.restart(2000)
    restartedDatabase = true
    faultsOver = true
  }
  await Promise.all([faults().finally(() => { faultsOver = true }), ...Array.from({ length: SENDERS }, (_, s) => sender(s))])
  const total = sent0.reduce((a, b) => a + b, 0)
  assert.ok(restartedDatabase, 'the database was restarted while the senders reported')
  assert.deepEqual(missingAfterKill, [], 'every record acknowledged before the kill is in the surviving replica\'s map at once')
  assert.equal(acked.size, total)
  const [a, b] = replicas as [MapperProcess, MapperProcess]
  const throughA = await mapThrough(a)
  const throughB = await mapThrough(b)
  assert.deepEqual(JSON.parse(throughA), JSON.parse(throughB), 'the same map through either replica')
  const present = externalNames(throughA)
  assert.deepEqual([...acked].filter((n) => !present.has(n)), [], 'every acknowledged report is in the map')
  assert.ok(unavailable > 0, 'reports were refused with 503 while PostgreSQL restarted (the restart was mid-load)')
  assert.equal(unavailableWithRetryAfter, unavailable, 'every 503 carried Retry-After')
  recordFigure({
    area: 'faults',
    test: 'two mapper replicas on one PostgreSQL: one SIGKILLed, then PostgreSQL restarted, mid-load',
    figure: `${fmt(total * 2)} records in ${fmt(total)} reports from ${SENDERS} senders: ${fmt(sent)} sends, ${fmt(retried)} retried (${fmt(unavailable)} answered 503 with Retry-After), ${fmt(total)} acknowledged, ${fmt(present.size)} stored; acknowledged-then-lost 0; both replicas serve the same map`,
    faults: 2,
    lost: 0,
    file: 'test/reliability/postgres-replicas.test.ts'
  })
})
