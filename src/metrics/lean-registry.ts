/**
 * A Prometheus registry for the sniffer: counters, gauges and histograms with labels, rendered in
 * the text exposition format (0.0.4), plus the process metrics an operator looks for.
 *
 * Why not prom-client here: the sniffer runs on every node within a 60 MB budget, and prom-client
 * (with tdigest, bintrees and @opentelemetry/api) costs ~4 MB of heap and ~90 KB of code to load.
 * The mapper, which has no such budget, keeps prom-client. The read side (`get()`,
 * `getMetricsAsJSON()`) has prom-client's shape, so tests read either the same way.
 */
import { readFileSync, readdirSync } from 'node:fs'

type LabelValues<L extends string> = Partial<Record<L, string | number>>
export interface MetricValue { labels: Record<string, string | number>, value: number, metricName?: string }
export interface MetricSnapshot { name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: MetricValue[] }

interface Collectable { readonly name: string, snapshot: () => MetricSnapshot }

export class Registry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8'
  private readonly metricsByName = new Map<string, Collectable>()
  private readonly beforeCollect: Array<() => void> = []

  register (metric: Collectable): void {
    if (this.metricsByName.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`)
    this.metricsByName.set(metric.name, metric)
  }

  /** Runs before every collection: for values read on demand (process metrics). */
  onCollect (fn: () => void): void { this.beforeCollect.push(fn) }

  async getMetricsAsJSON (): Promise<MetricSnapshot[]> {
    for (const fn of this.beforeCollect) fn()
    return [...this.metricsByName.values()].map((m) => m.snapshot())
  }

  async metrics (): Promise<string> {
    let out = ''
    for (const m of await this.getMetricsAsJSON()) {
      out += `# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${m.name} ${m.type}\n`
      for (const v of m.values) out += `${v.metricName ?? m.name}${renderLabels(v.labels)} ${renderNumber(v.value)}\n`
    }
    return out
  }
}

function renderLabels (labels: Record<string, string | number>): string {
  const keys = Object.keys(labels)
  if (keys.length === 0) return ''
  return '{' + keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',') + '}'
}

function renderNumber (n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

interface MetricOptions<L extends string> { name: string, help: string, labelNames?: readonly L[], registers?: Registry[] }

/** Series keyed by their label values in labelNames order; one entry per distinct label set. */
abstract class LabelledMetric<L extends string, S> implements Collectable {
  readonly name: string
  readonly help: string
  protected readonly labelNames: readonly L[]
  protected readonly series = new Map<string, { labels: Record<string, string | number>, state: S }>()

  constructor (opts: MetricOptions<L>) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(opts.name)) throw new Error(`invalid metric name ${opts.name}`)
    this.name = opts.name
    this.help = opts.help
    this.labelNames = opts.labelNames ?? []
    for (const r of opts.registers ?? []) r.register(this)
  }

  abstract snapshot (): MetricSnapshot
  protected abstract initial (): S

  protected entry (labels: LabelValues<L> | undefined): S {
    let key = ''
    for (const n of this.labelNames) key += `${labels?.[n] ?? ''}\u0000`
    let e = this.series.get(key)
    if (e === undefined) {
      const kept: Record<string, string | number> = {}
      for (const n of Object.keys(labels ?? {})) {
        if (!this.labelNames.includes(n as L)) throw new Error(`metric ${this.name} has no label "${n}"`)
        kept[n] = (labels as Record<string, string | number>)[n] as string | number
      }
      e = { labels: kept, state: this.initial() }
      this.series.set(key, e)
    }
    return e.state
  }

  async get (): Promise<MetricSnapshot> { return this.snapshot() }
}

/** One number per label set: what counters and gauges share. */
abstract class ValueMetric<L extends string> extends LabelledMetric<L, { value: number }> {
  protected abstract readonly type: 'counter' | 'gauge'

  constructor (opts: MetricOptions<L>) {
    super(opts)
    if (this.labelNames.length === 0) this.entry(undefined) // an unlabelled metric shows 0 from the start
  }

  protected initial (): { value: number } { return { value: 0 } }

  snapshot (): MetricSnapshot {
    return { name: this.name, help: this.help, type: this.type, values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.state.value })) }
  }
}

export class Counter<L extends string = string> extends ValueMetric<L> {
  protected readonly type = 'counter'

  inc (labelsOrValue?: LabelValues<L> | number, value?: number): void {
    const labels = typeof labelsOrValue === 'object' ? labelsOrValue : undefined
    const by = typeof labelsOrValue === 'number' ? labelsOrValue : (value ?? 1)
    if (!(by >= 0)) throw new Error(`counter ${this.name} cannot be increased by ${by}`)
    this.entry(labels).value += by
  }
}

export class Gauge<L extends string = string> extends ValueMetric<L> {
  protected readonly type = 'gauge'

  set (labelsOrValue: LabelValues<L> | number, value?: number): void {
    if (typeof labelsOrValue === 'number') this.entry(undefined).value = labelsOrValue
    else this.entry(labelsOrValue).value = value ?? 0
  }
}

interface HistogramState { counts: number[], sum: number, count: number }

export class Histogram<L extends string = string> extends LabelledMetric<L, HistogramState> {
  private readonly buckets: number[]

  constructor (opts: MetricOptions<L> & { buckets: number[] }) {
    super(opts)
    this.buckets = [...opts.buckets].sort((a, b) => a - b)
    if (this.labelNames.length === 0) this.entry(undefined)
  }

  protected initial (): HistogramState { return { counts: this.buckets.map(() => 0), sum: 0, count: 0 } }

  observe (labelsOrValue: LabelValues<L> | number, value?: number): void {
    const labels = typeof labelsOrValue === 'object' ? labelsOrValue : undefined
    const v = typeof labelsOrValue === 'number' ? labelsOrValue : (value ?? 0)
    const s = this.entry(labels)
    for (let i = 0; i < this.buckets.length; i++) if (v <= (this.buckets[i] as number)) s.counts[i] = (s.counts[i] as number) + 1
    s.sum += v
    s.count++
  }

  snapshot (): MetricSnapshot {
    const values: MetricValue[] = []
    for (const { labels, state } of this.series.values()) {
      this.buckets.forEach((le, i) => values.push({ labels: { ...labels, le }, value: state.counts[i] as number, metricName: `${this.name}_bucket` }))
      values.push({ labels: { ...labels, le: '+Inf' }, value: state.count, metricName: `${this.name}_bucket` })
      values.push({ labels, value: state.sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: state.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: 'histogram', values }
  }
}

/**
 * The process metrics under prom-client's names (`<prefix>process_cpu_seconds_total`,
 * `<prefix>process_resident_memory_bytes`, ...), read from /proc and Node when scraped.
 */
export function collectProcessMetrics (registry: Registry, prefix: string): void {
  const registers = [registry]
  const cpuUser = new Counter({ name: `${prefix}process_cpu_user_seconds_total`, help: 'User CPU time spent in seconds.', registers })
  const cpuSystem = new Counter({ name: `${prefix}process_cpu_system_seconds_total`, help: 'System CPU time spent in seconds.', registers })
  const cpuTotal = new Counter({ name: `${prefix}process_cpu_seconds_total`, help: 'Total user and system CPU time spent in seconds.', registers })
  const start = new Gauge({ name: `${prefix}process_start_time_seconds`, help: 'Start time of the process since unix epoch in seconds.', registers })
  const resident = new Gauge({ name: `${prefix}process_resident_memory_bytes`, help: 'Resident memory size in bytes.', registers })
  const virtual = new Gauge({ name: `${prefix}process_virtual_memory_bytes`, help: 'Virtual memory size in bytes.', registers })
  const openFds = new Gauge({ name: `${prefix}process_open_fds`, help: 'Number of open file descriptors.', registers })
  const heapUsed = new Gauge({ name: `${prefix}nodejs_heap_size_used_bytes`, help: 'Process heap size used from Node.js in bytes.', registers })
  const heapTotal = new Gauge({ name: `${prefix}nodejs_heap_size_total_bytes`, help: 'Process heap size from Node.js in bytes.', registers })
  const external = new Gauge({ name: `${prefix}nodejs_external_memory_bytes`, help: 'Node.js external memory size in bytes.', registers })
  start.set(Math.round(Date.now() / 1000 - process.uptime()))
  let last = process.cpuUsage()
  cpuUser.inc(last.user / 1e6)
  cpuSystem.inc(last.system / 1e6)
  cpuTotal.inc((last.user + last.system) / 1e6)
  registry.onCollect(() => {
    const now = process.cpuUsage()
    const user = Math.max(0, now.user - last.user) / 1e6
    const system = Math.max(0, now.system - last.system) / 1e6
    last = now
    cpuUser.inc(user)
    cpuSystem.inc(system)
    cpuTotal.inc(user + system)
    const mem = process.memoryUsage()
    resident.set(mem.rss)
    heapUsed.set(mem.heapUsed)
    heapTotal.set(mem.heapTotal)
    external.set(mem.external)
    try {
      const vmSize = /^VmSize:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
      if (vmSize) virtual.set(Number(vmSize[1]) * 1024)
      openFds.set(readdirSync('/proc/self/fd').length - 1)
    } catch {
      // not Linux: these two stay at their last value
    }
  })
}
