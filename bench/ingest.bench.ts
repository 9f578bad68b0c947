/**
 * `npm run bench:ingest`: records/s the mapper resolves and stores durably (state dir, WAL with
 * fsync), for a cluster of 5,000 pods and 1,000 services, against the reference: the same process
 * answering the same bodies after only JSON.parse + zod validation. The load comes from another
 * process. Prints figures and ends with one JSON line.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { createMapper } from '../mapper/create-mapper.js'
import { createLogger } from '../src/log/logger.js'
import { ClusterIndex } from '../mapper/kube/cluster-index.js'
import { DEFAULT_TIME_BOUNDS } from '../mapper/resolve/ingest.js'
import { createTokenCheck } from '../mapper/http/token-check.js'
import { reportSchema } from '../src/contract/report.js'
import { syntheticCluster, syntheticReport } from './mapper-cluster.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONCURRENCY = 8
const RECORDS = 1000
const TOKEN = 'bench-token'
const CLIENT = fileURLToPath(new URL('./post-load.mjs', import.meta.url))

async function load (url: string, file: string): Promise<{ posts: number, errors: number, seconds: number }> {
  const child = spawn(process.execPath, [CLIENT, url, TOKEN, file, String(SECONDS), String(CONCURRENCY), '1000000'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(out) as { posts: number, errors: number, seconds: number }
}

async function measure (url: string, file: string) {
  const cpu0 = process.cpuUsage()
  const r = await load(url, file)
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  return { ...r, records: r.posts * RECORDS, perSecond: Math.round(r.posts * RECORDS / r.seconds), perCpuSecond: Math.round(r.posts * RECORDS / cpuSeconds), cpuSeconds }
}

const dir = await mkdtemp(join(tmpdir(), 'podmap-bench-ingest-'))
try {
  const cluster = syntheticCluster(5000, 1000)
  // BENCH_FANOUT=all draws every client/server pair at random (the pessimistic case: tens of thousands of edges).
  const fanOut = process.env.BENCH_FANOUT === 'all' ? Infinity : Number(process.env.BENCH_FANOUT ?? 5)
  const bodies = Array.from({ length: 64 }, (_v, i) => JSON.stringify(syntheticReport(cluster, RECORDS, i + 1, Date.now(), fanOut)))
  const file = join(dir, 'bodies.jsonl')
  await writeFile(file, bodies.join('\n') + '\n')
  const log = createLogger({ level: 'warn', component: 'mapper' })

  // Reference: parse + validate only.
  const checkToken = createTokenCheck(TOKEN)
  const ref = Fastify({ bodyLimit: 16 << 20 })
  ref.post('/api/v1/reports', async (req, reply) => {
    if (!checkToken(req.headers.authorization)) return reply.code(401).send()
    const parsed = reportSchema.safeParse(req.body)
    if (!parsed.success) return reply.code(400).send()
    return { accepted: { dns: parsed.data.dns.length, sockets: parsed.data.sockets.length } }
  })
  const refUrl = `${await ref.listen({ host: '127.0.0.1', port: 0 })}/api/v1/reports`
  // BENCH_ONLY=podmap skips the reference run (for profiling podmap alone).
  const reference = process.env.BENCH_ONLY === 'podmap' ? { posts: 0, errors: 0, seconds: 0, records: 0, perSecond: 0, perCpuSecond: 1, cpuSeconds: 0 } : await measure(refUrl, file)
  await ref.close()

  // podmap: resolve against the cluster index, record durably.
  const index = new ClusterIndex()
  for (const [kind, obj] of cluster.objects) index.upsert(kind, obj, Date.now() - 3_600_000)
  const { app, map } = await createMapper({
    log, token: TOKEN, index, stateDir: join(dir, 'state'),
    clusterDomain: 'cluster.local', excludeNamespaces: [], times: DEFAULT_TIME_BOUNDS,
    requestTimeoutMs: 30_000, bodyLimit: 16 << 20
  })
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/reports`
  const podmap = await measure(url, file)
  const edges = await map.edgeCount()
  await app.close()
  await map.close()

  const ratio = Number((podmap.perCpuSecond / reference.perCpuSecond).toFixed(3))
  console.log(`cluster: 5000 pods, 1000 services; each workload calls ${fanOut} services; bodies of ${RECORDS} records (half DNS, half TCP); ${CONCURRENCY} in flight; ${SECONDS}s each`)
  console.log(`reference (JSON.parse + zod only): ${reference.perSecond} records/s wall, ${reference.perCpuSecond} records per CPU-second, errors ${reference.errors}`)
  console.log(`podmap (resolve + durable store):  ${podmap.perSecond} records/s wall, ${podmap.perCpuSecond} records per CPU-second, errors ${podmap.errors}, edges ${edges}`)
  console.log(`ratio to the ceiling (per CPU-second): ${ratio}`)
  console.log(JSON.stringify({ bench: 'ingest', records: RECORDS, fanOut: Number.isFinite(fanOut) ? fanOut : 'all', seconds: SECONDS, reference, podmap, ratio, edges }))
} finally {
  await rm(dir, { recursive: true, force: true })
}
