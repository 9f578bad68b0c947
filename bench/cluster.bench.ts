/**
 * `npm run bench:cluster`: how many nodes one mapper sustains. For each node count N (ascending), a
 * fresh fake API server holds a simulated cluster of N nodes (bench/cluster/model.ts: 30 pods a
 * node, 40 long-lived peer tuples a pod, 3 DNS answers a pod a minute, 1 % of pods replaced a minute
 * with their addresses reused, a Deployment rolled every 2 minutes), the real mapper process
 * (bin/podmap.js, state directory on: WAL and checkpoints) watches it, and N simulated sniffers
 * (bench/cluster/sniffers.ts) post a report every 5 s, sending a tuple when new and then once a
 * minute (delta reporting). After a warm-up (every node's first, full report plus one refresh
 * cycle), one window is measured.
 *
 * The mapper runs as the chart runs it: in a memory cgroup of `--memory-limit` (1 GiB, the chart's
 * limit), with the image's NODE_OPTIONS (Dockerfile.mapper: the heap limit a percentage of that), so
 * Node sizes its heap from the limit and the kernel OOM-kills past it.
 *
 * N is sustained when every report is acknowledged (no 429/503/error), the p99 acknowledgement comes
 * within the report interval, the mapper's main thread stays under 90 % of one core, and the mapper
 * was not OOM-killed; RSS and the cgroup's peak are reported against the limit. The search stops at the first N that is not sustained,
 * or is inconclusive when the simulator itself fell behind (p99 tick lag over 1 s) or the mapper's
 * main thread spent over 10 % of the window waiting for a core (schedstat): the machine was shared. `--mode state` makes the sniffers resend every active tuple in every report,
 * as they did before delta reporting, for the records/s comparison.
 *
 * Options: --nodes 250,500,1000,2000,3000,4000,5000 --mode delta|state --measure 60s --interval 5s
 *          --refresh 60s --churn 1 (percent of pods a minute) --roll-every 2m --keep-going
 *          --memory-limit 1Gi (or none) --mapper-node-options="--heap-prof --heap-prof-dir=/tmp/hp" (more
 *          node flags for the mapper process: a heap profile of what is live when it stops, written
 *          as it exits; summed by bench/lib/heap-profile-summary.ts)
 * Ends with one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseDuration } from '../src/config/duration.js'
import { freePort } from '../test/testbed/free-port.js'
import { startFakeApiServer } from '../test/testbed/fake-apiserver.js'
import { createMemoryCgroup, parseBytes, type MemoryCgroup } from '../test/testbed/memory-cgroup.js'
import { SimCluster, TUPLES_PER_POD } from './cluster/model.js'
import { startFleet, type PostStats } from './cluster/sniffers.js'
import { rng } from './mapper-cluster.js'
import { clockTicksPerSecond, cpuSeconds, rssMiB } from './lib/proc-usage.js'
import { sampleWithLabel } from './lib/prom-text.js'

const BIN = fileURLToPath(new URL('../bin/podmap.js', import.meta.url))
const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '250,500,1000,2000,3000,4000,5000' },
    'pods-per-node': { type: 'string', default: '30' },
    mode: { type: 'string', default: 'delta' },
    measure: { type: 'string', default: '60s' },
    interval: { type: 'string', default: '5s' },
    refresh: { type: 'string', default: '60s' },
    churn: { type: 'string', default: '1' },
    'roll-every': { type: 'string', default: '2m' },
    'keep-going': { type: 'boolean', default: false },
    'mapper-node-options': { type: 'string', default: '' },
    'memory-limit': { type: 'string', default: '1Gi' }
  }
})
const problems: string[] = []
const duration = (name: 'measure' | 'interval' | 'refresh' | 'roll-every'): number => {
  const v = parseDuration(args[name])
  if (v === undefined || v <= 0 || v > 3 * 3600_000) { problems.push(`--${name}: "${args[name]}" is not a duration up to 3h`); return 1 }
  return v
}
const MEASURE = duration('measure')
const INTERVAL = duration('interval')
const REFRESH = duration('refresh')
const ROLL_EVERY = duration('roll-every')
const NODES = args.nodes.split(',').map(Number)
const PODS_PER_NODE = Number(args['pods-per-node'])
const CHURN = Number(args.churn)
if (NODES.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 20_000)) problems.push('--nodes: comma-separated counts from 1 to 20000')
if (!Number.isSafeInteger(PODS_PER_NODE) || PODS_PER_NODE < 1 || PODS_PER_NODE > 250) problems.push('--pods-per-node: 1 to 250')
if (!(CHURN >= 0 && CHURN <= 100)) problems.push('--churn: a percentage from 0 to 100')
if (args.mode !== 'delta' && args.mode !== 'state') problems.push('--mode: delta or state')
if (REFRESH % INTERVAL !== 0) problems.push('--refresh must be a multiple of --interval')
if (args['memory-limit'] !== 'none' && parseBytes(args['memory-limit']) === undefined) problems.push('--memory-limit: a size (1Gi, 768Mi) or none')
if (args['mapper-node-options'].split(/\s+/).some((f) => f !== '' && !f.startsWith('--'))) problems.push('--mapper-node-options: node flags, each starting with --')
if (problems.length > 0) { for (const p of problems) console.error(`bench:cluster: ${p}`); process.exit(1) }
const MODE = args.mode as 'delta' | 'state'
const MAPPER_NODE_OPTIONS = args['mapper-node-options'].split(/\s+/).filter((f) => f !== '')
const MEMORY_LIMIT = args['memory-limit'] === 'none' ? undefined : parseBytes(args['memory-limit'])
/** The mapper image's NODE_OPTIONS (its heap limit as a share of the container's memory), read from the Dockerfile: one source. */
const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS=(.+)$/m.exec(readFileSync(fileURLToPath(new URL('../Dockerfile.mapper', import.meta.url)), 'utf8'))?.[1]?.trim()
if (IMAGE_NODE_OPTIONS === undefined) { console.error('bench:cluster: Dockerfile.mapper sets no ENV NODE_OPTIONS'); process.exit(1) }
const SLOTS = REFRESH / INTERVAL

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}


/** The main thread's CPU seconds: the one the mapper's event loop runs on. */
function mainThreadCpu (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / clockTicksPerSecond()
}

/** Nanoseconds the main thread has waited, runnable, for a core (schedstat's second field). */
function mainThreadRunQueueWait (pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1])
}

interface StepResult {
  nodes: number
  pods: number
  mode: 'delta' | 'state'
  readyS: number
  recordsPerS: number
  postsPerS: number
  p50AckMs: number
  p99AckMs: number
  failures: number
  failureKinds: Record<string, number>
  mainThreadCpu: number
  /** Share of the window the main thread was runnable but not running (the machine had no core for it). */
  mainThreadStarved: number
  processCpu: number
  recordsPerCpuS: number
  rssMiB: number
  heapUsedMiB: number
  /** The memory cgroup's limit and highest use (the kernel's count: heap, native, page cache), and its OOM kills. */
  memoryLimitMiB?: number
  memoryPeakMiB?: number
  oomKills: number
  edges: number
  refused: number
  unresolved: number
  replacedPods: number
  rolled: number
  p99LagMs: number
  verdict: 'sustained' | 'not sustained' | 'inconclusive'
  why: string
}

async function step (nodes: number): Promise<StepResult> {
  const dir = mkdtempSync('/tmp/podmap-bench-cluster-')
  const token = `bench-${Math.random().toString(36).slice(2)}`
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 })
  const cluster = new SimCluster(nodes, PODS_PER_NODE, SLOTS)
  const api = await startFakeApiServer({ historyLimit: 200_000 })
  api.load(cluster.objects)
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const cgroup: MemoryCgroup | undefined = MEMORY_LIMIT === undefined ? undefined : createMemoryCgroup(`podmap-bench-${process.pid}-${nodes}`, MEMORY_LIMIT)
  const argv = [process.execPath, ...MAPPER_NODE_OPTIONS, BIN, 'mapper', '--kubeconfig', join(dir, 'kubeconfig'), '--token-file', join(dir, 'token'),
    '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--state-dir', join(dir, 'state'),
    // Every simulated sniffer posts from 127.0.0.1 with the shared token: one rate-limit key for all.
    '--report-rate', '0']
  const [cmd, ...rest] = cgroup?.wrap(argv) ?? argv
  const mapper: ChildProcess = spawn(cmd as string, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: IMAGE_NODE_OPTIONS } })
  let mapperErr = ''
  mapper.stderr?.on('data', (d: Buffer) => { mapperErr = (mapperErr + String(d)).slice(-4000) })
  const random = rng(nodes)
  let churnTimer: NodeJS.Timeout | undefined
  let fleet: ReturnType<typeof startFleet> | undefined
  try {
    const t0 = Date.now()
    for (;;) {
      if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break
      if (mapper.exitCode !== null || mapper.signalCode !== null) return deadStep(nodes, (Date.now() - t0) / 1000, `the mapper died before it was ready (${mapper.signalCode ?? `exit ${mapper.exitCode}`}; ${cgroup?.oomKills() ?? 0} OOM kills): ${mapperErr.slice(-300)}`, cgroup)
      if (Date.now() - t0 > 600_000) throw new Error(`mapper not ready after 600 s: ${mapperErr}`)
      await sleep(250)
    }
    const readyS = (Date.now() - t0) / 1000
    // Churn: CHURN % of pods a minute, replaced a second at a time; a rolling update every ROLL_EVERY.
    let owed = 0
    let lastRoll = Date.now()
    churnTimer = setInterval(() => {
      owed += (nodes * PODS_PER_NODE * CHURN) / 100 / 60
      const n = Math.floor(owed)
      owed -= n
      cluster.replacePods(n, random, api)
      if (Date.now() - lastRoll >= ROLL_EVERY) { lastRoll = Date.now(); cluster.roll(random, api) }
    }, 1000)
    fleet = startFleet(cluster, { url, token, intervalMs: INTERVAL, mode: MODE, startSpreadMs: MODE === 'delta' ? REFRESH : INTERVAL })
    // Warm-up: every node's first, full report, then one whole refresh cycle.
    await sleep(REFRESH + 2 * INTERVAL)
    fleet.take()
    const pid = mapper.pid as number
    if (mapper.exitCode !== null || mapper.signalCode !== null) {
      return deadStep(nodes, readyS, `the mapper died in the warm-up (${mapper.signalCode ?? `exit ${mapper.exitCode}`}; ${cgroup?.oomKills() ?? 0} OOM kills in its ${args['memory-limit']} cgroup): ${mapperErr.slice(-300)}`, cgroup)
    }
    const main0 = mainThreadCpu(pid)
    const wait0 = mainThreadRunQueueWait(pid)
    const proc0 = cpuSeconds(pid)
    const churn0 = { ...cluster.churn }
    const w0 = performance.now()
    await sleep(MEASURE)
    const s: PostStats = fleet.take()
    if (mapper.exitCode !== null || mapper.signalCode !== null) {
      return deadStep(nodes, readyS, `the mapper died (${mapper.signalCode ?? `exit ${mapper.exitCode}`}; ${cgroup?.oomKills() ?? 0} OOM kills in its ${args['memory-limit']} cgroup): ${mapperErr.slice(-300)}`, cgroup)
    }
    const seconds = (performance.now() - w0) / 1000
    const mainCpu = (mainThreadCpu(pid) - main0) / seconds
    const procCpu = (cpuSeconds(pid) - proc0) / seconds
    const starved = (mainThreadRunQueueWait(pid) - wait0) / 1e9 / seconds
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text())
    const p99Ack = quantile(s.latencies, 0.99)
    const p99Lag = quantile(s.lags, 0.99)
    let verdict: StepResult['verdict'] = 'sustained'
    let why = `p99 ack ${p99Ack.toFixed(0)} ms within ${INTERVAL} ms, main thread ${(100 * mainCpu).toFixed(0)} % of a core, no failed report`
    const oom = cgroup?.oomKills() ?? 0
    if (oom > 0) { verdict = 'not sustained'; why = `${oom} OOM kills in the ${args['memory-limit']} cgroup` } else if (s.posts === 0) { verdict = 'not sustained'; why = 'no report was acknowledged in the window' } else if (p99Lag > 1000) { verdict = 'inconclusive'; why = `the simulator fell behind (p99 tick lag ${p99Lag.toFixed(0)} ms)` } else if (starved > 0.1 && (s.failures > 0 || p99Ack > INTERVAL)) { verdict = 'inconclusive'; why = `the mapper's main thread waited for a core ${(100 * starved).toFixed(0)} % of the window (the machine is shared): p99 ack ${p99Ack.toFixed(0)} ms says nothing about the mapper` } else if (s.failures > 0) { verdict = 'not sustained'; why = `${s.failures} reports failed` } else if (p99Ack > INTERVAL) { verdict = 'not sustained'; why = `p99 ack ${p99Ack.toFixed(0)} ms is over the ${INTERVAL} ms interval` } else if (mainCpu > 0.9) { verdict = 'not sustained'; why = `main thread at ${(100 * mainCpu).toFixed(0)} % of a core` }
    return {
      nodes,
      pods: nodes * PODS_PER_NODE,
      mode: MODE,
      readyS,
      recordsPerS: Math.round(s.records / seconds),
      postsPerS: Math.round(s.posts / seconds),
      p50AckMs: Math.round(quantile(s.latencies, 0.5)),
      p99AckMs: Math.round(p99Ack),
      failures: s.failures,
      failureKinds: Object.fromEntries(s.failureKinds),
      mainThreadCpu: Number(mainCpu.toFixed(3)),
      mainThreadStarved: Number(starved.toFixed(3)),
      processCpu: Number(procCpu.toFixed(3)),
      recordsPerCpuS: Math.round(s.records / seconds / Math.max(procCpu, 0.001)),
      rssMiB: Math.round(rssMiB(pid)),
      heapUsedMiB: Math.round(Number(/^podmap_mapper_nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? 0) / 1048576),
      ...cgroupFigures(cgroup),
      edges: Number(/^podmap_mapper_edges (\S+)/m.exec(metrics)?.[1] ?? 0),
      refused: sampleWithLabel(metrics, 'podmap_mapper_records_refused_total', ''),
      unresolved: sampleWithLabel(metrics, 'podmap_mapper_unresolved_total', ''),
      replacedPods: cluster.churn.replaced - churn0.replaced,
      rolled: cluster.churn.rolled - churn0.rolled,
      p99LagMs: Math.round(p99Lag),
      verdict,
      why
    }
  } finally {
    if (churnTimer !== undefined) clearInterval(churnTimer)
    await fleet?.stop()
    if (mapper.exitCode === null && mapper.signalCode === null) {
      await new Promise<void>((resolve) => { const t = setTimeout(() => mapper.kill('SIGKILL'), 20_000); mapper.once('exit', () => { clearTimeout(t); resolve() }); mapper.kill('SIGTERM') })
    }
    await api.close()
    rmSync(dir, { recursive: true, force: true })
    cgroup?.remove()
  }
}

function cgroupFigures (cgroup: MemoryCgroup | undefined): Pick<StepResult, 'memoryLimitMiB' | 'memoryPeakMiB' | 'oomKills'> {
  if (cgroup === undefined) return { oomKills: 0 }
  const peak = cgroup.peakBytes()
  return { memoryLimitMiB: Math.round(cgroup.limitBytes / 1048576), memoryPeakMiB: peak === undefined ? undefined : Math.round(peak / 1048576), oomKills: cgroup.oomKills() }
}

/** A step whose mapper died: not sustained, with why. */
function deadStep (nodes: number, readyS: number, why: string, cgroup: MemoryCgroup | undefined): StepResult {
  return {
    nodes, pods: nodes * PODS_PER_NODE, mode: MODE, readyS, recordsPerS: 0, postsPerS: 0, p50AckMs: 0, p99AckMs: 0, failures: 0, failureKinds: {},
    mainThreadCpu: 0, mainThreadStarved: 0, processCpu: 0, recordsPerCpuS: 0, rssMiB: 0, heapUsedMiB: 0, ...cgroupFigures(cgroup),
    edges: 0, refused: 0, unresolved: 0, replacedPods: 0, rolled: 0, p99LagMs: 0, verdict: 'not sustained', why
  }
}

console.log(`bench:cluster: ${PODS_PER_NODE} pods a node, ${TUPLES_PER_POD} peer tuples a pod, report every ${INTERVAL / 1000} s, refresh every ${REFRESH / 1000} s (${MODE}), churn ${CHURN} % of pods a minute, a rollout every ${ROLL_EVERY / 1000} s; window ${MEASURE / 1000} s; mapper in a ${args['memory-limit']} memory cgroup with NODE_OPTIONS=${IMAGE_NODE_OPTIONS}${MAPPER_NODE_OPTIONS.length > 0 ? `; mapper node flags: ${MAPPER_NODE_OPTIONS.join(' ')}` : ''}`)
const results: StepResult[] = []
for (const n of NODES) {
  const r = await step(n)
  results.push(r)
  console.log(`${String(n).padStart(6)} nodes ${String(r.pods).padStart(7)} pods: ready in ${r.readyS.toFixed(1)} s; ${r.recordsPerS} records/s in ${r.postsPerS} reports/s; ack p50 ${r.p50AckMs} ms p99 ${r.p99AckMs} ms; ` +
    `mapper main thread ${(100 * r.mainThreadCpu).toFixed(0)} % busy, ${(100 * r.mainThreadStarved).toFixed(0)} % waiting for a core (process ${(100 * r.processCpu).toFixed(0)} %), ${r.recordsPerCpuS} records/CPU-s, RSS ${r.rssMiB} MiB (heap used ${r.heapUsedMiB} MiB${r.memoryPeakMiB !== undefined ? `, cgroup peak ${r.memoryPeakMiB} of ${r.memoryLimitMiB} MiB with page cache` : ''}), ${r.edges} edges; ` +
    `refused ${r.refused}, unresolved ${r.unresolved}, ${r.replacedPods} pods replaced, ${r.rolled} rollouts; ${r.verdict}: ${r.why}` +
    (r.failures > 0 ? ` ${JSON.stringify(r.failureKinds)}` : ''))
  if (r.verdict !== 'sustained' && !args['keep-going']) break
}
const sustained = results.filter((r) => r.verdict === 'sustained').map((r) => r.nodes)
const largest = sustained.length > 0 ? Math.max(...sustained) : 0
console.log(`largest sustained: ${largest} nodes (${MODE} reporting)`)
console.log(JSON.stringify({ bench: 'cluster', mode: MODE, mapperNodeOptions: MAPPER_NODE_OPTIONS, podsPerNode: PODS_PER_NODE, tuplesPerPod: TUPLES_PER_POD, intervalS: INTERVAL / 1000, refreshS: REFRESH / 1000, churnPercentPerMin: CHURN, largestSustainedNodes: largest, steps: results }))
