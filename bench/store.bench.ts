/**
 * `npm run bench:store`: records/s a mapper replica resolves and stores with the PostgreSQL store,
 * next to the embedded store (the reference: WAL with fsync under a state directory) in the same
 * run, and what two PostgreSQL replicas take together. Each replica is its own process
 * (bench/lib/store-replica.ts: the 5,000-pod synthetic cluster of bench:ingest); the load comes from
 * other processes (bench/post-load.mjs, bodies of 1,000 records, 8 in flight per replica).
 * PostgreSQL is Debian's, started for the run (test/testbed/postgres/) with fsync on.
 * Prints figures and ends with one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { syntheticCluster, syntheticReport } from './mapper-cluster.js'
import { cpuSeconds } from './lib/proc-usage.js'
import { startPostgres } from '../test/testbed/postgres/postgres-server.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONCURRENCY = 8
const RECORDS = 1000
const CLIENT = fileURLToPath(new URL('./post-load.mjs', import.meta.url))
const REPLICA = fileURLToPath(new URL('./lib/store-replica.ts', import.meta.url))

interface Replica { url: string, child: ChildProcess }

async function startReplica (args: string[]): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  for await (const line of lines) {
    const url = (JSON.parse(line) as { url: string }).url
    return { url, child }
  }
  throw new Error(`the replica (${args.join(' ')}) exited before listening`)
}

async function stopReplica (r: Replica): Promise<void> {
  if (r.child.exitCode !== null) return
  await new Promise((resolve) => { r.child.once('exit', resolve); r.child.kill('SIGTERM') })
}

async function load (url: string, file: string): Promise<{ posts: number, errors: number, seconds: number }> {
  const child = spawn(process.execPath, [CLIENT, `${url}/api/v1/reports`, 'bench-token', file, String(SECONDS), String(CONCURRENCY), '1000000'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(out) as { posts: number, errors: number, seconds: number }
}

/** Loads every replica at once; per replica: records/s (wall) and records per CPU-second of that replica. */
async function measure (replicas: Replica[], file: string) {
  const cpu0 = replicas.map((r) => cpuSeconds(r.child.pid as number))
  const results = await Promise.all(replicas.map(async (r) => await load(r.url, file)))
  return results.map((res, i) => {
    const cpu = cpuSeconds(replicas[i]?.child.pid as number) - (cpu0[i] as number)
    return { ...res, records: res.posts * RECORDS, perSecond: Math.round(res.posts * RECORDS / res.seconds), perCpuSecond: Math.round(res.posts * RECORDS / Math.max(cpu, 0.001)), cpuSeconds: Number(cpu.toFixed(2)) }
  })
}

const dir = await mkdtemp(join(tmpdir(), 'podmap-bench-store-'))
const pg = await startPostgres({ fsync: true })
try {
  const cluster = syntheticCluster(5000, 1000)
  const bodies = Array.from({ length: 64 }, (_v, i) => JSON.stringify(syntheticReport(cluster, RECORDS, i + 1, Date.now(), 5)))
  const file = join(dir, 'bodies.jsonl')
  await writeFile(file, bodies.join('\n') + '\n')

  const embeddedReplica = await startReplica(['embedded', join(dir, 'state')])
  const [embedded] = await measure([embeddedReplica], file)
  await stopReplica(embeddedReplica)

  const dsnFile = join(dir, 'dsn')
  await writeFile(dsnFile, await pg.createDatabase('bench'), { mode: 0o600 })
  const one = await startReplica(['postgres', dsnFile])
  const [single] = await measure([one], file)
  const second = await startReplica(['postgres', dsnFile])
  const pair = await measure([one, second], file)
  await stopReplica(one)
  await stopReplica(second)

  const both = pair.reduce((n, r) => n + r.perSecond, 0)
  const e = embedded as NonNullable<typeof embedded>
  const s = single as NonNullable<typeof single>
  const ratio = Number((s.perSecond / e.perSecond).toFixed(3))
  const pairRatio = Number((both / s.perSecond).toFixed(3))
  console.log(`cluster: 5000 pods, 1000 services; bodies of ${RECORDS} records; ${CONCURRENCY} in flight per replica; ${SECONDS}s each; PostgreSQL ${pg.port} with fsync on`)
  console.log(`embedded store (reference, WAL + fsync): ${e.perSecond} records/s, ${e.perCpuSecond} per replica CPU-second, errors ${e.errors}`)
  console.log(`PostgreSQL, one replica:                 ${s.perSecond} records/s, ${s.perCpuSecond} per replica CPU-second, errors ${s.errors}  (ratio to embedded ${ratio})`)
  console.log(`PostgreSQL, two replicas together:       ${both} records/s (${pair.map((r) => r.perSecond).join(' + ')}), errors ${pair.reduce((n, r) => n + r.errors, 0)}  (ratio to one replica ${pairRatio})`)
  console.log(JSON.stringify({ bench: 'store', records: RECORDS, seconds: SECONDS, concurrency: CONCURRENCY, embedded: e, postgres: s, postgresPair: pair, pairPerSecond: both, ratio, pairRatio }))
} finally {
  await pg.stop()
  await rm(dir, { recursive: true, force: true })
}
