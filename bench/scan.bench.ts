/**
 * `npm run bench:scan`: a full /proc socket scan against `ss -tan` in each namespace.
 *
 * 20 network namespaces of its own; in each, a C holder (bench/lib/conn-holder.c) listens on a
 * 10.254.x.1 address on lo and holds 500 established connections to itself (1,000 sockets; 10,000
 * connections in all, spread over 20 processes to stay under the 20,000 descriptor limit). Then,
 * alternating, for --rounds rounds: `ss -tan -N <ns>` run in each of the 20 namespaces one after
 * the other (spawn included: that is what running ss costs), and one full scan by the real scanner
 * (compiled, in a child process of its own running plain node with the sniffer image's node flags and
 * MALLOC_ARENA_MAX unless --node-flag=... or --no-image-runtime, with the real metrics). Prints the
 * median times, their ratio, and the scanner process's RSS after each scan and its peak (VmHWM).
 * The scanner reads every namespace on the machine, not only the bench's: the figure includes
 * whatever else runs here, as it would on a node. Needs root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { createLab, requireRoot } from '../test/sniffer/capture/netns.js'
import { buildPodmap, snifferRuntime } from './lib/built-podmap.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`))
  return a === undefined ? fallback : Number(a.slice(name.length + 3))
}
const NAMESPACES = Math.min(flag('namespaces', 20), 50)
const PER_NAMESPACE = Math.min(flag('connections', 500), 9000)
const ROUNDS = Math.min(flag('rounds', 7), 30)
// As the sniffer image runs it (its ENTRYPOINT's node flags, MALLOC_ARENA_MAX) unless --node-flag=... or --no-image-runtime.
const runtime = snifferRuntime(args)
const nodeFlags = runtime.nodeFlags
const childEnv = { ...process.env, ...runtime.env }
const HOLDER_SRC = fileURLToPath(new URL('./lib/conn-holder.c', import.meta.url))

const SCAN_CHILD = `
import { Registry } from './src/metrics/lean-registry.js'
import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'
import { createSnifferMetrics } from './sniffer/metrics.js'
import { createScanner } from './sniffer/procnet/scanner.js'
import { createLogger } from './src/log/logger.js'
const status = (f) => Number(new RegExp('^' + f + ':\\\\s+(\\\\d+) kB$', 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024
const scanner = createScanner({ procRoot: '/proc', metrics: createSnifferMetrics(new Registry()), log: createLogger({ level: 'warn', component: 'bench' }) })
setTimeout(() => process.exit(3), 600000).unref()
console.log(JSON.stringify({ ready: true, rss: status('VmRSS') }))
createInterface({ input: process.stdin }).on('line', async () => {
  const t = performance.now()
  const r = await scanner.scan()
  const ms = performance.now() - t
  console.log(JSON.stringify({ ms, sessions: r.sessions.length, namespaces: r.namespaces, rss: status('VmRSS'), hwm: status('VmHWM') }))
})
`

function lines (child: ChildProcess): () => Promise<any> {
  const queue: any[] = []
  const waiters: Array<(v: any) => void> = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let v: unknown
    try { v = JSON.parse(line) } catch { return }
    const w = waiters.shift()
    if (w) w(v); else queue.push(v)
  })
  return () => queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not answer within 120 s')), 120_000)
    waiters.push((v) => { clearTimeout(timer); resolve(v) })
  })
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

async function main (): Promise<void> {
  requireRoot()
  const dir = mkdtempSync(join(tmpdir(), 'podmap-bench-scan-'))
  const holderBin = join(dir, 'conn-holder')
  execFileSync('cc', ['-O2', '-o', holderBin, HOLDER_SRC])
  const podmap = buildPodmap()
  const buildDir = podmap[1]!.replace(/\/run\.mjs$/, '')
  writeFileSync(`${buildDir}/scan-child.mjs`, SCAN_CHILD)

  const lab = createLab('bs')
  let scanChild: ChildProcess | undefined
  try {
    const names: string[] = []
    for (let i = 0; i < NAMESPACES; i++) {
      const ns = lab.addNamespace(`n${i}`)
      names.push(ns)
      // A non-loopback address on lo (no dummy module here): the sessions are not skipped as loopback.
      lab.exec(`n${i}`, ['ip', 'addr', 'add', `10.254.${i}.1/32`, 'dev', 'lo'])
    }
    const holders = names.map((_, i) => lab.spawnIn(`n${i}`, [holderBin, `10.254.${i}.1`, '7000', String(PER_NAMESPACE), '300']))
    for (const h of holders) {
      const ready = await lines(h)()
      if (ready.ready !== PER_NAMESPACE) throw new Error(`holder not ready: ${JSON.stringify(ready)}`)
    }
    console.log(`${NAMESPACES} namespaces x ${PER_NAMESPACE} established connections (${NAMESPACES * PER_NAMESPACE} in all, ${2 * NAMESPACES * PER_NAMESPACE} sockets)`)

    scanChild = spawn(process.execPath, [...nodeFlags, `${buildDir}/scan-child.mjs`], { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv })
    const next = lines(scanChild)
    const startRss = (await next()).rss as number
    const ssRun = (): { ms: number, sockets: number } => {
      const t = performance.now()
      let sockets = 0
      for (const ns of names) {
        const out = execFileSync('ss', ['-tan', '-N', ns], { encoding: 'utf8', maxBuffer: 64 << 20 })
        sockets += out.split('\n').filter((l) => l.startsWith('ESTAB')).length
      }
      return { ms: performance.now() - t, sockets }
    }
    const scanRun = async (): Promise<any> => { scanChild!.stdin!.write('scan\n'); return await next() }
    // Warm-up of both (page cache, JIT).
    ssRun()
    await scanRun()
    const ss: number[] = []
    const scans: number[] = []
    const rss: number[] = []
    let hwm = 0
    let ssSockets = 0
    let last: any
    for (let r = 0; r < ROUNDS; r++) {
      const s = ssRun()
      ss.push(s.ms)
      ssSockets = s.sockets
      last = await scanRun()
      scans.push(last.ms)
      rss.push(last.rss)
      hwm = Math.max(hwm, last.hwm)
      console.log(`round ${r + 1}: ss -tan x${NAMESPACES} ${s.ms.toFixed(1)} ms (${s.sockets} established sockets); scan ${last.ms.toFixed(1)} ms (${last.namespaces} namespaces on the machine, ${last.sessions} sessions), rss ${last.rss.toFixed(1)} MiB`)
    }
    const summary = {
      bench: 'scan',
      namespaces: NAMESPACES,
      connections: NAMESPACES * PER_NAMESPACE,
      ssEstablishedSockets: ssSockets,
      rounds: ROUNDS,
      ssMedianMs: Math.round(median(ss) * 10) / 10,
      scanMedianMs: Math.round(median(scans) * 10) / 10,
      ratio: Math.round(1000 * median(scans) / median(ss)) / 1000,
      machineNamespacesScanned: last?.namespaces,
      rssBeforeMiB: Math.round(startRss * 10) / 10,
      rssAfterScanMaxMiB: Math.round(Math.max(...rss) * 10) / 10,
      peakRssMiB: Math.round(hwm * 10) / 10,
      nodeFlags
    }
    console.log(`scan median ${summary.scanMedianMs} ms vs ss -tan in each namespace ${summary.ssMedianMs} ms: ratio ${summary.ratio} (budget <= 1.2); scanner peak RSS ${summary.peakRssMiB} MiB (budget <= 80)`)
    console.log(JSON.stringify(summary))
  } finally {
    if (scanChild?.exitCode === null) scanChild.kill('SIGTERM')
    lab.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
