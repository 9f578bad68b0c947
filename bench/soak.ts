/**
 * `npm run soak`: 50 simulated sniffers report to one real mapper process (against the fake API
 * server holding a synthetic cluster) while queries run, for a bounded time. Prints mapper RSS over
 * time, then p50/p99 query latency and the error count (must be 0), and ends with one JSON line.
 * Exit code 1 if any request failed or RSS kept growing.
 *
 * Options: --duration 10m (default; 30s, 2m, ...) --sniffers 50 --records 400 (per report)
 *          --report-interval 5s --query-rate 5 (queries per second) --pods 2000 --services 400
 *          --state-dir (give the mapper a state directory: WAL + checkpoints on)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseDuration } from '../src/config/duration.js'
import { freePort } from '../test/testbed/free-port.js'
import { startFakeApiServer, type KubeObj } from '../test/testbed/fake-apiserver.js'
import { syntheticCluster, syntheticReport } from './mapper-cluster.js'

const BIN = fileURLToPath(new URL('../bin/podmap.js', import.meta.url))

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10m' },
    sniffers: { type: 'string', default: '50' },
    records: { type: 'string', default: '400' },
    'report-interval': { type: 'string', default: '5s' },
    'query-rate': { type: 'string', default: '5' },
    pods: { type: 'string', default: '2000' },
    services: { type: 'string', default: '400' },
    'state-dir': { type: 'boolean', default: false }
  }
})
const parsedDuration = parseDuration(args.duration)
const parsedInterval = parseDuration(args['report-interval'])
if (parsedDuration === undefined || parsedInterval === undefined || parsedDuration > 3 * 3600_000) {
  console.error('soak: --duration and --report-interval take durations (30s, 10m), at most 3h')
  process.exit(2)
}
const durationMs: number = parsedDuration
const reportEveryMs: number = parsedInterval
const SNIFFERS = Number(args.sniffers)
const RECORDS = Number(args.records)
const QUERY_RATE = Number(args['query-rate'])


function rssOf (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const quantile = (sorted: number[], q: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

async function main (): Promise<number> {
  const dir = mkdtempSync('/tmp/podmap-soak-')
  const token = `soak-${Math.random().toString(36).slice(2)}`
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 })
  const cluster = syntheticCluster(Number(args.pods), Number(args.services), 10, SNIFFERS)
  const api = await startFakeApiServer()
  api.load(cluster.objects.map(([, o]) => o as KubeObj))
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const mapper = spawn(process.execPath, [BIN, 'mapper', '--kubeconfig', join(dir, 'kubeconfig'), '--token-file', join(dir, 'token'),
    '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn',
    // Every simulated sniffer posts from 127.0.0.1, and the rate limit is per sender address.
    '--report-rate', '0', ...(args['state-dir'] ? ['--state-dir', join(dir, 'state')] : [])],
  { stdio: ['ignore', 'ignore', 'pipe'] })
  let mapperErr = ''
  mapper.stderr?.on('data', (d: Buffer) => { mapperErr = (mapperErr + String(d)).slice(-4000) })
  const cleanup = async (): Promise<void> => {
    if (mapper.exitCode === null && mapper.signalCode === null) {
      await new Promise<void>((resolve) => { const t = setTimeout(() => mapper.kill('SIGKILL'), 10_000); mapper.once('exit', () => { clearTimeout(t); resolve() }); mapper.kill('SIGTERM') })
    }
    await api.close()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const readyBy = Date.now() + 60_000
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > readyBy) throw new Error(`mapper not ready after 60 s: ${mapperErr}`)
      await sleep(200)
    }
    const started = Date.now()
    const deadline = started + durationMs
    let posts = 0
    let records = 0
    let postErrors = 0
    let queries = 0
    let queryErrors = 0
    const errorSamples: string[] = []
    const latencies: number[] = []
    const rss: Array<{ s: number, mb: number }> = []
    const noteError = (what: string): void => { if (errorSamples.length < 10) errorSamples.push(what) }

    const sniffer = async (n: number): Promise<void> => {
      await sleep((reportEveryMs * n) / SNIFFERS) // staggered, like real nodes
      for (let seq = 0; Date.now() < deadline; seq++) {
        const t0 = Date.now()
        const report = syntheticReport(cluster, RECORDS, n * 1_000_003 + seq, Date.now(), 5, `node-${n}`)
        try {
          const res = await fetch(`${url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(report), signal: AbortSignal.timeout(30_000) })
          const text = await res.text()
          if (res.ok) { posts++; records += report.dns.length + report.sockets.length } else { postErrors++; noteError(`POST ${res.status} ${text.slice(0, 200)}`) }
        } catch (err) { postErrors++; noteError(`POST ${(err as Error).message}`) }
        await sleep(Math.min(Math.max(0, reportEveryMs - (Date.now() - t0)), Math.max(0, deadline - Date.now())))
      }
    }
    const querier = async (): Promise<void> => {
      const paths = ['/api/v1/map', '/api/v1/map?namespace=ns-1', '/api/v1/map?namespace=ns-2,ns-3', '/api/v1/map?since=1m']
      for (let i = 0; Date.now() < deadline; i++) {
        const t0 = performance.now()
        try {
          const res = await fetch(`${url}${paths[i % paths.length]}`, { signal: AbortSignal.timeout(30_000) })
          await res.arrayBuffer()
          if (res.ok) { queries++; latencies.push(performance.now() - t0) } else { queryErrors++; noteError(`GET ${res.status}`) }
        } catch (err) { queryErrors++; noteError(`GET ${(err as Error).message}`) }
        await sleep(Math.max(0, 1000 / QUERY_RATE - (performance.now() - t0)))
      }
    }
    const sampler = async (): Promise<void> => {
      const every = Math.max(1000, Math.min(30_000, Math.floor(durationMs / 20)))
      while (Date.now() < deadline) {
        const s = Math.round((Date.now() - started) / 1000)
        const mb = rssOf(mapper.pid as number) / 1048576
        rss.push({ s, mb: Math.round(mb * 10) / 10 })
        console.log(`t=${s}s mapper RSS ${mb.toFixed(1)} MB, posts ${posts}, queries ${queries}, errors ${postErrors + queryErrors}`)
        await sleep(Math.min(every, Math.max(0, deadline - Date.now())))
      }
    }
    await Promise.all([sampler(), querier(), ...Array.from({ length: SNIFFERS }, (_, n) => sniffer(n))])
    latencies.sort((a, b) => a - b)
    // "Flat": the last third's peak is within 25 % (and 50 MB) of the middle third's peak.
    const third = Math.max(1, Math.floor(rss.length / 3))
    const midPeak = Math.max(...rss.slice(third, 2 * third).map((r) => r.mb), 0)
    const lastPeak = Math.max(...rss.slice(2 * third).map((r) => r.mb), 0)
    const flat = rss.length < 6 || lastPeak <= Math.max(midPeak * 1.25, midPeak + 50)
    const errors = postErrors + queryErrors
    for (const e of errorSamples) console.log(`error: ${e}`)
    console.log(`p50 query ${quantile(latencies, 0.5).toFixed(1)} ms, p99 query ${quantile(latencies, 0.99).toFixed(1)} ms over ${queries} queries; ${posts} reports (${records} records) from ${SNIFFERS} sniffers; errors ${errors}; RSS ${rss[0]?.mb ?? 0} -> ${rss[rss.length - 1]?.mb ?? 0} MB (${flat ? 'flat' : 'GROWING'})`)
    console.log(JSON.stringify({
      bench: 'soak', durationS: Math.round((Date.now() - started) / 1000), sniffers: SNIFFERS, recordsPerReport: RECORDS, reportIntervalS: reportEveryMs / 1000,
      posts, records, queries, p50QueryMs: Number(quantile(latencies, 0.5).toFixed(2)), p99QueryMs: Number(quantile(latencies, 0.99).toFixed(2)),
      errors, postErrors, queryErrors, rssMb: rss, rssFlat: flat, stateDir: args['state-dir']
    }))
    return errors === 0 && flat ? 0 : 1
  } finally {
    await cleanup()
  }
}

process.exitCode = await main()
