import { z } from 'zod'
import { boolean, duration, port, stringList, type OptionSpecs } from '../src/config/options.js'
import { CLUSTER_NAME } from '../src/contract/map.js'
import { parseCidr } from './policy/cidr.js'

/** Comma-separated CIDRs, each checked. */
const cidrs = () => z.string().default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
  .superRefine((list, ctx) => {
    const bad = list.filter((c) => parseCidr(c) === undefined)
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `not a CIDR: ${bad.join(', ')}` })
  })

/** Every `podmap mapper` option; each is also read from PODMAP_<NAME>. */
export const mapperOptions = {
  port: { schema: port(9090), help: 'HTTP port for the API, /healthz, /readyz and /metrics (default 9090)' },
  host: { schema: z.string().default('0.0.0.0'), help: 'address to listen on (default 0.0.0.0)' },
  kubeconfig: { schema: z.string().optional(), help: 'kubeconfig file (default: $KUBECONFIG, else in-cluster config)', env: ['KUBECONFIG'] },
  'sniffer-auth': { schema: z.enum(['token', 'serviceaccount', 'both']).default('token'), help: 'how sniffers prove who they are: serviceaccount (their projected ServiceAccount token, audience --sniffer-token-audience, checked with TokenReview: the node comes from the token, not the report), token (the shared --token-file: the report\'s node name is believed), or both (default token; the chart sets serviceaccount)' },
  'sniffer-service-account': { schema: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-.]+$/, 'namespace/name').optional(), help: 'the sniffers\' ServiceAccount as namespace/name; required with --sniffer-auth serviceaccount or both' },
  'sniffer-token-audience': { schema: z.string().min(1).default('podmap'), help: 'the audience sniffers\' ServiceAccount tokens must be issued for (default podmap)' },
  'token-file': { schema: z.string().min(1), help: 'file holding the shared token: snapshots and reset, and sniffers\' reports with --sniffer-auth token or both' },
  'read-token-file': { schema: z.string().min(1).optional(), help: 'file holding a bearer token required on every GET /api/* (default: read API open; set it for anything exposed outside the cluster)' },
  'report-rate': { schema: z.coerce.number().min(0).default(5), help: 'reports per second each sniffer (by its address: sniffers run on the node network) may send; over it: 429 with Retry-After; 0 turns the limit off (default 5)' },
  'report-burst': { schema: z.coerce.number().int().min(1).default(30), help: 'reports a sniffer may send at once before --report-rate applies (default 30)' },
  'graph-max-nodes': { schema: z.coerce.number().int().min(1).default(1000), help: 'most workloads an SVG or PNG graph shows; more answer 422 with a hint (filter by namespace, or take DOT or Mermaid) (default 1000)' },
  'render-timeout': { schema: duration('30s'), help: 'longest an SVG or PNG may take to render, in its worker thread; past it the worker is ended and the answer is 422 (default 30s)' },
  'render-max-heap': { schema: z.coerce.number().int().min(32).default(512), help: 'heap limit of the render worker thread, in MiB (default 512)' },
  'request-timeout': { schema: duration('30s'), help: 'longest time to receive a whole request (default 30s)' },
  store: { schema: z.enum(['embedded', 'postgres']).default('embedded'), help: 'where the map is kept: embedded (memory + --state-dir, one replica) or postgres (a PostgreSQL database several replicas and clusters share; --store-dsn-file) (default embedded)' },
  'store-dsn-file': { schema: z.string().min(1).optional(), help: 'file holding the PostgreSQL connection string (postgresql://user:password@host:port/db?sslmode=...) for --store postgres; never given on the command line, never logged' },
  'store-pool-size': { schema: z.coerce.number().int().min(1).max(100).default(8), help: 'connections each mapper keeps to PostgreSQL with --store postgres (default 8)' },
  'cluster-name': { schema: z.string().regex(CLUSTER_NAME, 'a DNS label or name, e.g. prod-eu-1').default('default'), help: 'the name this cluster\'s edges carry in a store several clusters share (--store postgres), and the `cluster` label of the edge series (--edge-metrics) (default default)' },
  'state-dir': { schema: z.string().min(1).optional(), help: 'directory for the durable map (checkpoint + write-ahead log); without it the map is in memory only' },
  'max-clock-skew': { schema: duration('5m'), help: 'how far ahead of the mapper\'s clock a reported time may be; later records are refused and counted in podmap_mapper_records_refused_total (default 5m)' },
  'ip-history-grace': { schema: duration('2h'), help: 'how long the IP addresses of deleted pods are remembered, so late reports still resolve to the pod that held them (default 2h; longer than any report can be late)' },
  'hourly-history': { schema: duration('48h'), help: 'how long call counts are kept per hour; older ones are merged into days, so time windows reaching further back are precise to the day (default 48h)' },
  'max-snapshots': { schema: z.coerce.number().int().min(1).max(1000).default(16), help: 'most snapshots kept (each is a full copy of the map); past it POST /api/v1/snapshots answers 409 (default 16)' },
  retention: { schema: duration('30d'), help: 'how long hourly call counts are kept (default 30d)' },
  'cluster-domain': { schema: z.string().min(1).default('cluster.local'), help: 'the cluster DNS domain (default cluster.local)' },
  'exclude-namespaces': { schema: stringList(), help: 'comma-separated namespaces left out of the map (default none)' },
  'pod-cidrs': { schema: cidrs(), help: 'comma-separated pod address ranges, in addition to the nodes\' spec.podCIDRs: DNS answers for external names in them are dropped (default none)' },
  'service-cidrs': { schema: cidrs(), help: 'comma-separated Service (ClusterIP) ranges, in addition to the ClusterIPs the API lists: DNS answers for external names in them are dropped (default none)' },
  'checkpoint-bytes': { schema: z.coerce.number().int().min(4096).default(64 << 20), help: 'write a checkpoint of the embedded store once its write-ahead log passes this many bytes (default 64 MiB): smaller means a quicker restart and more writing' },
  'body-limit': { schema: z.coerce.number().int().min(1024).default(16 << 20), help: 'largest report body in bytes (default 16 MiB)' },
  'informer-backoff-max': { schema: duration('30s'), help: 'longest wait before restarting a failed informer (default 30s)' },
  'informer-poll-interval': { schema: duration('60s'), help: 'how often a kind the mapper may list but not watch is re-listed, and a kind it may not list is tried again (default 60s)' },
  'max-early-records': { schema: z.coerce.number().int().min(0).default(50_000), help: 'most socket records waiting (in memory, up to a minute) for a pod or Service address the informers have not brought yet; past it they are counted unresolved (early-records-full) (default 50000)' },
  'max-held-records': { schema: z.coerce.number().int().min(0).default(500_000), help: 'most report records kept (durably) while the cluster view is not ready to resolve them; past it reports get 503 with Retry-After and sniffers retry (default 500000)' },
  'max-edges': { schema: z.coerce.number().int().min(1).default(100_000), help: 'most edges in the map; past it a call that would make a new edge is dropped and counted (default 100000)' },
  'max-edges-per-node': { schema: z.coerce.number().int().min(1).default(20_000), help: 'most new edges one node\'s reports may bring (until the map shrinks); past it counted and dropped (default 20000)' },
  'max-external-names': { schema: z.coerce.number().int().min(1).default(20_000), help: 'most distinct external names and addresses in the map; past it a new one is recorded as its registrable domain (*.example.com) or /24 (/48), counted (default 20000)' },
  'max-external-names-per-node': { schema: z.coerce.number().int().min(1).default(2_000), help: 'most new external names one node\'s reports may bring; past it aggregated as with --max-external-names (default 2000)' },
  'informer-stall-timeout': { schema: duration('180s'), help: 'a watch that delivers nothing (no event, no bookmark, no end) for this long is restarted, and /readyz reports 503 meanwhile (default 180s)' },
  'edge-metrics': { schema: boolean(false), flag: true, help: 'expose the map on /metrics as podmap_mapper_edge_observations{client_*,server_*,port,protocol,cluster}, one series per edge and server port, computed from the store at each scrape (default off)' },
  'edge-metrics-max-series': { schema: z.coerce.number().int().min(1).default(10_000), help: 'most edge series exposed at one scrape; the others (store order: the embedded store keeps the oldest edges) are left out and counted in podmap_mapper_edge_series_over_cap (default 10000)' },
  'log-level': { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'), help: 'log level (default info)' }
} satisfies OptionSpecs
