/**
 * The map as Prometheus series (--edge-metrics): `podmap_mapper_edge_observations`, one gauge series
 * per client workload, server workload, server port and protocol, computed from the store at each
 * scrape (nothing is kept between scrapes), at most `maxSeries` of them. Entries past the cap are
 * left out in the store's order and counted in `podmap_mapper_edge_series_over_cap`, never dropped
 * silently.
 *
 * Label values come from cluster data (workload names, the podmap.io/workload-name annotation, DNS
 * names of external servers), so each is made safe once here: at most MAX_LABEL_CHARS characters
 * (longer ones keep a prefix plus a hash of the whole, so distinct names stay distinct), control
 * characters and lone surrogates become U+FFFD (the text stays valid UTF-8), and prom-client escapes
 * `\`, `"` and newlines in the exposition. Two entries that end up with the same labels are summed,
 * so a scrape never holds a duplicate series.
 */
import { Gauge, type GaugeConfiguration, type LabelValues, type Registry } from 'prom-client'
import type { Identity } from '../src/contract/map.js'

/** What the store yields per edge and server port (EdgeStore.portCounts()). */
export interface PortCount {
  client: Identity
  server: Identity
  port: number
  protocol: 'TCP' | 'UDP'
  count: number
  lastSeen: number
}

export interface EdgeSeriesOptions {
  registry: Registry
  /** The store's counts, read at each scrape. */
  portCounts: () => Iterable<PortCount> | AsyncIterable<PortCount> | Promise<Iterable<PortCount>>
  /** Most series exposed at one scrape. */
  maxSeries: number
  /** The `cluster` label; empty leaves the label out. */
  cluster: string
  /** Called when a scrape first finds more entries than the cap (again only after one fit). */
  onOverCap?: (over: number, maxSeries: number) => void
}

export const EDGE_LABELS = ['client_kind', 'client_namespace', 'client_name', 'server_kind', 'server_namespace', 'server_name', 'port', 'protocol', 'cluster'] as const
type EdgeLabel = typeof EDGE_LABELS[number]
type Labels = Partial<Record<EdgeLabel, string>>

/** Kubernetes object names and DNS names are at most 253 characters: only odd values are cut. */
export const MAX_LABEL_CHARS = 253

const UNSAFE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** A label value that is valid UTF-8, printable and at most MAX_LABEL_CHARS characters (code points). */
export function labelValue (raw: string | undefined): string {
  if (raw === undefined) return ''
  const safe = raw.replace(UNSAFE, '\ufffd')
  if (safe.length <= MAX_LABEL_CHARS) return safe
  const chars = [...safe]
  if (chars.length <= MAX_LABEL_CHARS) return safe
  return `${chars.slice(0, MAX_LABEL_CHARS - 9).join('')}…${fnv1a(raw)}`
}

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits: short and stable across processes. */
function fnv1a (s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

interface Scrape { values: Array<{ labels: Labels, value: number }>, over: number }

/** Registers the edge series and the over-cap count on `registry`. */
export function registerEdgeSeries (o: EdgeSeriesOptions): void {
  const cluster = labelValue(o.cluster)
  let wasOver = false

  const collect = async (): Promise<Scrape> => {
    const series = new Map<string, { labels: Labels, value: number }>()
    let over = 0
    const add = (pc: PortCount): void => {
      const labels: Labels = {
        client_kind: labelValue(pc.client.kind),
        client_namespace: labelValue(pc.client.namespace),
        client_name: labelValue(pc.client.name),
        server_kind: labelValue(pc.server.kind),
        server_namespace: labelValue(pc.server.namespace),
        server_name: labelValue(pc.server.name),
        port: String(pc.port),
        protocol: pc.protocol
      }
      if (cluster !== '') labels.cluster = cluster
      // Safe values hold no control character, so NUL separates them unambiguously.
      const key = `${labels.client_kind}\0${labels.client_namespace}\0${labels.client_name}\0${labels.server_kind}\0${labels.server_namespace}\0${labels.server_name}\0${labels.port}\0${labels.protocol}`
      const same = series.get(key)
      if (same) { same.value += pc.count; return }
      if (series.size >= o.maxSeries) { over++; return }
      series.set(key, { labels, value: pc.count })
    }
    const source = await o.portCounts()
    if (Symbol.asyncIterator in source) { for await (const pc of source) add(pc) } else { for (const pc of source) add(pc) }
    if (over > 0 && !wasOver) o.onOverCap?.(over, o.maxSeries)
    wasOver = over > 0
    return { values: [...series.values()], over }
  }

  // One computation serves both families of a scrape: prom-client asks for every metric's values
  // in registration order before awaiting any, so the over-cap gauge finds the edge series' run.
  let running: Promise<Scrape> | undefined
  const scrape = (): Promise<Scrape> => {
    if (running) return running
    const run = collect().finally(() => { if (running === run) running = undefined })
    running = run
    return run
  }

  const registers = [o.registry]
  new ComputedGauge<EdgeLabel>({
    name: 'podmap_mapper_edge_observations',
    help: `Calls observed from a client workload to a server workload on a server port (sessions, SYNs and connected sockets reported), counted over --retention: a gauge, since hours older than that leave the count. One series per edge and port (DNS-only evidence has no port and no series), at most --edge-metrics-max-series; label values are cut at ${MAX_LABEL_CHARS} characters`,
    labelNames: EDGE_LABELS,
    registers
  }, async () => (await scrape()).values)
  new ComputedGauge({
    name: 'podmap_mapper_edge_series_over_cap',
    help: 'Edge series left out of podmap_mapper_edge_observations at the last scrape because --edge-metrics-max-series was reached (0: the whole map is exposed)',
    registers
  }, async () => [{ labels: {}, value: (await scrape()).over }])
}

/** A gauge whose values are computed when it is scraped; prom-client's own get() supplies the rest. */
class ComputedGauge<T extends string = string> extends Gauge<T> {
  constructor (config: GaugeConfiguration<T>, private readonly compute: () => Promise<Array<{ labels: LabelValues<T>, value: number }>>) {
    super(config)
  }

  override async get (): ReturnType<Gauge<T>['get']> {
    const values = await this.compute()
    return { ...(await super.get()), values }
  }
}
