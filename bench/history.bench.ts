/**
 * `npm run bench:history`: a month of history in the embedded store. EDGES edges (default 50,000),
 * each active every hour for DAYS days (default 30), with three facets (DNS, TCP 8080, TCP 9090) —
 * the goal: at most 512 MiB mapper RSS, and a restart that loads it in 10 s or less.
 *
 * Phases, each in a fresh child process running this file bundled on plain node (as the mapper image
 * runs compiled code), so RSS is the store's and nothing else's:
 *   build    the store as the mapper keeps it after a month (hourly for 48 h, daily before), then
 *            a checkpoint; prints RSS and heap
 *   load     a new store opens that checkpoint (as a restarted mapper does); prints time and RSS
 *   parse    the reference: read the same checkpoint and JSON.parse every line, building nothing
 * Ends with one JSON line.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { EmbeddedStore } from '../mapper/store/embedded-store.js'
import { HOUR_MS, type Call } from '../mapper/store/call.js'
import { createLogger } from '../src/log/logger.js'
import { bundleScript } from './lib/built-podmap.js'

const EDGES = Number(process.env.BENCH_EDGES ?? 50_000)
const DAYS = Number(process.env.BENCH_DAYS ?? 30)
const NOW = Date.parse('2026-12-01T00:00:00Z')
const log = createLogger({ level: 'warn', component: 'mapper' })
const mib = (n: number): number => Number((n / 1048576).toFixed(1))
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }

async function build (dir: string): Promise<Record<string, number>> {
  const store = new EmbeddedStore({ stateDir: dir, log, now: () => NOW })
  await store.open()
  const workloads = Math.ceil(Math.sqrt(EDGES)) + 1
  const clients = Array.from({ length: workloads }, (_v, i) => ({ kind: 'Deployment', namespace: `ns-${i % 40}`, name: `client-${i}` }))
  const servers = Array.from({ length: workloads }, (_v, i) => ({ kind: 'Deployment', namespace: `ns-${i % 40}`, name: `server-${i}`, service: `server-${i}` }))
  const hourlyFrom = NOW - 48 * HOUR_MS
  const t0 = Date.now()
  const start = NOW - DAYS * 24 * HOUR_MS
  // Hour by hour, as a month of reports would arrive; hours before the horizon land in their days,
  // which is what the hourly roll-up job leaves.
  // Built once, so the loop allocates nothing: what stays in memory is the store's, not the bench's.
  const names = servers.map((sv) => `${sv.name}.${sv.namespace}.svc.cluster.local`)
  const nodes = Array.from({ length: 500 }, (_v, i) => `node-${i}`)
  const p8080 = { port: 8080, protocol: 'TCP' as const }
  const p9090 = { port: 9090, protocol: 'TCP' as const }
  const call: Call = { client: clients[0]!, server: servers[0]!, evidence: 'tcp', first: 0, last: 0, count: 0 }
  for (let hour = 0; hour < DAYS * 24; hour++) {
    const at = start + hour * HOUR_MS
    for (let i = 0; i < EDGES; i++) {
      const s = Math.floor(i / workloads)
      call.client = clients[i % workloads]!
      call.server = servers[s]!
      call.first = at + 60_000
      call.last = at + 1_800_000
      call.count = 12
      call.node = nodes[i % 500]
      call.evidence = 'dns'; call.port = undefined; call.name = names[s]
      store.edges.add(call, hourlyFrom)
      call.evidence = 'tcp'; call.port = p8080; call.name = undefined
      store.edges.add(call, hourlyFrom)
      call.port = p9090
      store.edges.add(call, hourlyFrom)
    }
  }
  const buildMs = Date.now() - t0
  gc(); gc()
  const mem = process.memoryUsage()
  const c0 = Date.now()
  await store.checkpoint()
  const checkpointMs = Date.now() - c0
  return { edges: store.edges.size, buildMs, checkpointMs, rssMiB: mib(mem.rss), heapMiB: mib(mem.heapUsed), heapTotalMiB: mib(mem.heapTotal), arrayBuffersMiB: mib(mem.arrayBuffers), historyMiB: mib(store.edges.historyBytes()) }
}

async function load (dir: string): Promise<Record<string, number>> {
  const t0 = Date.now()
  const store = new EmbeddedStore({ stateDir: dir, log, now: () => NOW })
  await store.open()
  const loadMs = Date.now() - t0
  const peak = process.memoryUsage().rss
  gc(); gc()
  const mem = process.memoryUsage()
  const edges = (await store.list({ since: NOW - 3 * HOUR_MS })).length
  return { edges: store.edges.size, loadMs, rssMiB: mib(mem.rss), peakRssMiB: mib(peak), heapMiB: mib(mem.heapUsed), heapTotalMiB: mib(mem.heapTotal), arrayBuffersMiB: mib(mem.arrayBuffers), windowEdges: edges }
}

async function parse (dir: string): Promise<Record<string, number>> {
  const t0 = Date.now()
  let lines = 0
  for await (const line of createInterface({ input: createReadStream(join(dir, 'map.ndjson'), { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
    if (line !== '') { JSON.parse(line); lines++ }
  }
  return { lines, parseMs: Date.now() - t0 }
}

const phase = process.argv[2]
if (phase === 'build' || phase === 'load' || phase === 'parse') {
  const dir = process.argv[3] as string
  const fn = { build, load, parse }[phase]
  console.log(JSON.stringify(await fn(dir)))
} else {
  const dir = mkdtempSync(join(tmpdir(), 'podmap-bench-history-'))
  // The children run this file bundled, on plain node, as the mapper image runs compiled code.
  const self = await bundleScript(fileURLToPath(import.meta.url), 'history-bench')
  const run = (p: string): Record<string, number> => {
    const r = spawnSync(process.execPath, ['--expose-gc', self, p, dir], { encoding: 'utf8', maxBuffer: 1 << 20, env: process.env })
    if (r.status !== 0) throw new Error(`${p} failed: ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>
  }
  try {
    const built = run('build')
    const checkpointMiB = mib(statSync(join(dir, 'map.ndjson')).size)
    const loaded = run('load')
    const reference = run('parse')
    const ratio = Number(((loaded.loadMs as number) / (reference.parseMs as number)).toFixed(2))
    console.log(`${EDGES} edges active every hour for ${DAYS} days, 3 facets each; hourly for the last 48 h, daily before`)
    console.log(`built in ${built.buildMs} ms: RSS ${built.rssMiB} MiB (heap ${built.heapMiB} MiB, history arrays ${built.historyMiB} MiB); checkpoint ${checkpointMiB} MiB written in ${built.checkpointMs} ms`)
    console.log(`restart: loaded in ${loaded.loadMs} ms (reference: JSON.parse of every line ${reference.parseMs} ms, ratio ${ratio}); RSS ${loaded.rssMiB} MiB after, peak ${loaded.peakRssMiB} MiB`)
    console.log(`goals: RSS <= 512 MiB ${Math.max(built.rssMiB as number, loaded.peakRssMiB as number) <= 512 ? 'met' : 'NOT met'}; load <= 10 s ${(loaded.loadMs as number) <= 10_000 ? 'met' : 'NOT met'}`)
    console.log(JSON.stringify({ bench: 'history', edges: EDGES, days: DAYS, build: built, checkpointMiB, load: loaded, reference, loadRatioToParse: ratio }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
