/**
 * A real Prometheus server (Debian's prometheus, installed by `npm run setup` through
 * scripts/install-prometheus.sh) owned by one test: its own configuration and data directory under
 * /tmp, a free port on 127.0.0.1, a parent-death signal (setpriv) so it dies with the test process,
 * and a sweep of the directories that killed runs left. Queried through its HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { freePort } from '../testbed/free-port.js'
import { waitFor } from '../e2e/stack.js'

export const PROMETHEUS = '/usr/bin/prometheus'
export const PROMTOOL = '/usr/bin/promtool'
const DIR_PREFIX = 'podmap-prometheus-'

/** Fails loudly, naming the set-up step, when the binaries are missing. */
export function requirePrometheus (): void {
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run setup\` (scripts/install-prometheus.sh installs Debian's prometheus)`)
  }
}

export interface Sample { metric: Record<string, string>, value: [number, string] }

export interface PrometheusServer {
  url: string
  dir: string
  logs: string[]
  /** An instant query; throws with Prometheus' error (a parse error included). */
  query: (expr: string) => Promise<Sample[]>
  /** Resolves once exactly `count` targets are up (the error names the ones that are not). */
  waitForTargets: (count: number, timeoutMs?: number) => Promise<void>
  stop: () => Promise<void>
}

export interface StaticJob { job: string, targets: string[], labels?: Record<string, string> }

/** Removes the directories of runs whose test process is gone (a SIGKILLed test leaves its folder). */
function sweepStale (): void {
  for (const name of readdirSync('/tmp')) {
    if (!name.startsWith(DIR_PREFIX)) continue
    const dir = join('/tmp', name)
    let owner = NaN
    try { owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8')) } catch { /* no owner file: half-made, sweep it */ }
    if (Number.isInteger(owner) && existsSync(`/proc/${owner}`)) continue
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function startPrometheus (jobs: StaticJob[], scrapeInterval = '1s'): Promise<PrometheusServer> {
  requirePrometheus()
  sweepStale()
  const dir = mkdtempSync(join('/tmp', DIR_PREFIX))
  writeFileSync(join(dir, 'owner.pid'), String(process.pid))
  const config = {
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets, ...(j.labels ? { labels: j.labels } : {}) }] }))
  }
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logs: string[] = []
  const child: ChildProcess = spawn('setpriv', ['--pdeathsig', 'KILL', '--', PROMETHEUS,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const push = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(line)
    if (logs.length > 2000) logs.splice(0, logs.length - 2000)
  }
  child.stdout?.on('data', push)
  child.stderr?.on('data', push)
  const killOnExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', killOnExit)

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
        child.once('exit', () => { clearTimeout(t); resolve() })
        child.kill('SIGTERM')
      })
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) })
    const body = await res.json() as { status: string, data: T, errorType?: string, error?: string }
    if (body.status !== 'success') throw new PrometheusError(`${body.errorType ?? res.status}: ${body.error ?? ''}`, body.errorType)
    return body.data
  }

  try {
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${logs.slice(-20).join('\n')}`)
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })
      await res.text()
      return res.ok ? true : undefined
    }, 60_000, 250)
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n--- prometheus log ---\n${logs.slice(-20).join('\n')}`, { cause: err })
  }

  return {
    url,
    dir,
    logs,
    stop,
    query: async (expr) => {
      const data = await api<{ resultType: string, result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)
      if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`)
      return data.result
    },
    waitForTargets: async (count, timeoutMs = 60_000) => {
      await waitFor(`${count} targets up`, async () => {
        const data = await api<{ activeTargets: Array<{ health: string, lastError: string, scrapeUrl: string }> }>('/api/v1/targets?state=active')
        const up = data.activeTargets.filter((t) => t.health === 'up')
        if (up.length === count) return true
        const down = data.activeTargets.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`)
        throw new Error(`${up.length} of ${data.activeTargets.length} up; ${down.join('; ')}`)
      }, timeoutMs, 500)
    }
  }
}

export class PrometheusError extends Error {
  constructor (message: string, readonly errorType?: string) { super(message) }
}
