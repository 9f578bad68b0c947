/**
 * The map as Prometheus series (--edge-metrics): `podmap_mapper_edge_observations`, one gauge series
 * per client workload, server workload, server port and protocol, rendered from the store at each
 * scrape (nothing is kept between scrapes), at most `maxSeries` of them. Entries past the cap are
 * left out in the store's order and counted in `podmap_mapper_edge_series_over_cap` (a prom-client
 * gauge on the registry), never dropped silently.
 *
 * The family is written in the text exposition format here rather than through prom-client: at
 * 100,000 series prom-client's per-sample formatting (an object per label set, two regex passes per
 * label value) cost several times the store's own iteration (BENCHMARKS.md). The escaping is the
 * format's (and prom-client's): `\` and `"` escaped in label values, `\` and newlines in HELP.
 *
 * Label values come from cluster data (workload names, the podmap.io/workload-name annotation, DNS
 * names of external servers), so each is made safe once per identity and scrape: at most
 * MAX_LABEL_CHARS characters (longer ones keep a prefix plus a hash of the whole, so distinct names
 * stay distinct), control characters and lone surrogates become U+FFFD (so no newline reaches the
 * text, and it stays valid UTF-8). Two entries that end up with the same labels are summed, so a
 * scrape never holds a duplicate series. Iteration yields to the event loop every few thousand
 * entries, so reports keep flowing during a large scrape.
 */
import { Gauge, type Registry } from 'prom-client'
import type { Identity } from '../src/contract/map.js'
import type { PortCount as StorePortCount } from './store/map-store.js'

/**
 * What the store yields per edge and server port (MapStore.portCounts()), and the edge's cluster
 * when a store shared by clusters knows it (else the mapper's --cluster-name applies).
 */
export type PortCount = StorePortCount & { cluster?: string }

export interface EdgeSeriesOptions {
  /** Where the over-cap gauge is registered. */
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

export interface EdgeSeries {
  /** The edge family in the text exposition format (HELP, TYPE, samples), from the store now. */
  render: () => Promise<string>
}

export const EDGE_SERIES_NAME = 'podmap_mapper_edge_observations'
export const EDGE_LABELS = ['client_kind', 'client_namespace', 'client_name', 'server_kind', 'server_namespace', 'server_name', 'port', 'protocol', 'cluster'] as const

/** Kubernetes object names and DNS names are at most 253 characters: only odd values are cut. */
export const MAX_LABEL_CHARS = 253
/** Entries handled between two yields to the event loop. */
const SLICE = 4096

/** The common case (Kubernetes names, DNS names), safe as it is. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
const UNSAFE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** A label value that is valid UTF-8, printable and at most MAX_LABEL_CHARS characters (code points). */
export function labelValue (raw: string | undefined): string {
  if (raw === undefined) return ''
  if (raw.length <= MAX_LABEL_CHARS && PRINTABLE_ASCII.test(raw)) return raw
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

/** `name="value"` with the value made safe and escaped for the text format. */
function label (name: string, raw: string | undefined): string {
  const v = labelValue(raw)
  return `${name}="${/["\\]/.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`
}

const HELP = `Calls observed from a client workload to a server workload on a server port (sessions, SYNs and connected sockets reported), counted over --retention: a gauge, since hours older than that leave the count. One series per edge and port (DNS-only evidence has no port and no series), at most --edge-metrics-max-series; label values are cut at ${MAX_LABEL_CHARS} characters`

export function createEdgeSeries (o: EdgeSeriesOptions): EdgeSeries {
  const overCap = new Gauge({
    name: 'podmap_mapper_edge_series_over_cap',
    help: 'Edge series left out of podmap_mapper_edge_observations at the last scrape because --edge-metrics-max-series was reached (0: the whole map is exposed)',
    registers: [o.registry]
  })
  let wasOver = false

  const render = async (): Promise<string> => {
    // Per scrape only: each identity object's label text, interned to a small number so that the
    // key deduplicating series stays short (a long key costs its hashing on every entry).
    const texts = new Map<string, number>()
    const textOf: string[] = []
    const intern = (text: string): number => {
      let n = texts.get(text)
      if (n === undefined) { n = textOf.length; textOf.push(text); texts.set(text, n) }
      return n
    }
    const clients = new Map<Identity, number>()
    const servers = new Map<Identity, number>()
    const side = (cache: Map<Identity, number>, prefix: string, id: Identity): number => {
      let n = cache.get(id)
      if (n === undefined) {
        n = intern(`${label(`${prefix}_kind`, id.kind)},${label(`${prefix}_namespace`, id.namespace)},${label(`${prefix}_name`, id.name)}`)
        cache.set(id, n)
      }
      return n
    }
    const clusterOf = (name: string): number => intern(name === '' ? '' : `,${label('cluster', name)}`)
    const defaultCluster = clusterOf(o.cluster)
    /** series key -> index into lines/values */
    const index = new Map<string, number>()
    const lines: string[] = []
    const values: number[] = []
    let over = 0
    const add = (pc: PortCount): void => {
      const c = side(clients, 'client', pc.client)
      const s = side(servers, 'server', pc.server)
      const cl = pc.cluster === undefined ? defaultCluster : clusterOf(pc.cluster)
      const key = `${c},${s},${pc.port},${pc.protocol},${cl}`
      const i = index.get(key)
      if (i !== undefined) { values[i] = (values[i] ?? 0) + pc.count; return }
      if (lines.length >= o.maxSeries) { over++; return }
      index.set(key, lines.length)
      lines.push(`${EDGE_SERIES_NAME}{${textOf[c] ?? ''},${textOf[s] ?? ''},port="${pc.port}",protocol="${pc.protocol}"${textOf[cl] ?? ''}} `)
      values.push(pc.count)
    }
    const source = await o.portCounts()
    if (Symbol.asyncIterator in source) {
      for await (const pc of source) add(pc)
    } else {
      let n = 0
      for (const pc of source) {
        add(pc)
        if (++n % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve))
      }
    }
    overCap.set(over)
    if (over > 0 && !wasOver) o.onOverCap?.(over, o.maxSeries)
    wasOver = over > 0
    let out = `# HELP ${EDGE_SERIES_NAME} ${HELP.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${EDGE_SERIES_NAME} gauge\n`
    for (let i = 0; i < lines.length; i++) out += `${lines[i] ?? ''}${values[i] ?? 0}\n`
    return out
  }
  return { render }
}
