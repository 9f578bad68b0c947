/**
 * Generated maps shaped like real clusters, for the web page's layout tests and its browser test at
 * 300 and 3,000 workloads. Deterministic (seeded). Each namespace is one team's application: entry
 * points (web front ends, gateways, CronJobs) call its APIs and workers, which call each other and
 * its databases and caches (StatefulSets); APIs also call a few other teams' APIs, the shared
 * platform namespaces (identity, messaging, observability with a DaemonSet agent everywhere) and
 * external APIs. Exactly `calls` distinct calls between exactly `workloads` workloads.
 */
import type { Edge, Identity } from '../../../src/contract/map.js'
import type { Call } from '../../../mapper/store/call.js'

export interface GeneratedMap {
  edges: Edge[]
  workloads: Identity[]
  namespaces: string[]
}

const WORDS = ['storefront', 'checkout', 'payments', 'catalog', 'search', 'shipping', 'inventory', 'pricing', 'reviews',
  'loyalty', 'returns', 'billing', 'ledger', 'fraud', 'recommend', 'media', 'accounts', 'support', 'reports', 'partners']
const PLATFORM = ['identity', 'messaging', 'observability']
const EXTERNALS = ['api.stripe-payments.example', 'api.geocode.example', 'hooks.chat.example', 'auth.sso-provider.example',
  'api.tax-rates.example', 'smtp.mail-relay.example', 'api.currency.example', 'cdn-origin.assets.example']

/** mulberry32: a small seeded generator, so every run draws the same map. */
function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Role = 'entry' | 'api' | 'worker' | 'store' | 'cache' | 'agent'
interface W { id: Identity, role: Role, port: number }

export function generateMap (opts: { workloads: number, calls: number, namespaces: number, seed?: number }): GeneratedMap {
  const rand = rng(opts.seed ?? 42)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const teams = opts.namespaces - PLATFORM.length
  const names: string[] = []
  for (let i = 0; i < teams; i++) names.push(i < WORDS.length ? WORDS[i] as string : `${WORDS[i % WORDS.length] as string}-${Math.floor(i / WORDS.length) + 1}`)
  const externals = Math.min(EXTERNALS.length, Math.max(2, Math.round(opts.workloads / 40)))
  const perNs = (opts.workloads - externals) / opts.namespaces
  const byNs = new Map<string, W[]>()
  const all: W[] = []
  const add = (ns: string, kind: string, name: string, role: Role, port: number): void => {
    const w: W = { id: { kind, namespace: ns, name }, role, port }
    all.push(w)
    const list = byNs.get(ns)
    if (list) list.push(w); else byNs.set(ns, [w])
  }
  const nsList = [...names, ...PLATFORM]
  nsList.forEach((ns, i) => {
    const count = Math.round(perNs * (i + 1)) - Math.round(perNs * i)
    const base = ns.split('-')[0] as string
    const shape: Array<[string, string, Role, number]> = [
      ['Deployment', `${base}-web`, 'entry', 8080], ['Deployment', `${base}-api`, 'api', 8080],
      ['StatefulSet', `${base}-db`, 'store', 5432], ['Deployment', `${base}-cache`, 'cache', 6379],
      ['CronJob', `${base}-nightly`, 'entry', 0], ['Deployment', `${base}-worker`, 'worker', 9090]
    ]
    if (ns === 'observability') shape.splice(0, 1, ['DaemonSet', 'node-agent', 'agent', 0], ['Deployment', 'metrics-store', 'store', 9090])
    for (let j = 0; j < count; j++) {
      const [kind, name, role, port] = shape[j % shape.length] as [string, string, Role, number]
      const round = Math.floor(j / shape.length)
      add(ns, kind, round === 0 ? name : `${name}-${round + 1}`, role, port)
    }
  })
  for (let i = 0; i < externals; i++) all.push({ id: { kind: 'External', name: EXTERNALS[i] as string }, role: 'store', port: 443 })
  const ext = all.filter((w) => w.id.kind === 'External')
  const apis = all.filter((c) => c.role === 'api')

  // Each team depends on a few others and on the platform; the platform calls only itself and
  // external APIs.
  const deps = new Map(names.map((ns) => [ns, [pick(names), pick(names), pick(names)].filter((d) => d !== ns)]))
  const keyOf = (id: Identity): string => `${id.kind}/${id.namespace ?? ''}/${id.name}`
  const edges = new Map<string, Edge>()
  const now = Date.now()
  const call = (c: W, s: W): void => {
    if (c === s || s.role === 'entry' || s.role === 'agent' || s.port === 0 || c.role === 'store' || c.role === 'cache') return
    const k = `${keyOf(c.id)} ${keyOf(s.id)}`
    if (edges.has(k)) return
    const t = now - Math.floor(rand() * 3_600_000)
    const server: Identity = s.id.kind === 'External' ? s.id : { ...s.id, service: s.id.name }
    edges.set(k, {
      client: c.id, server, ports: [{ port: s.port, protocol: 'TCP' }], evidence: ['dns', 'tcp'],
      ...(s.id.kind === 'External' ? { addresses: ['203.0.113.10'] } : {}),
      firstSeen: new Date(t - 86_400_000).toISOString(), lastSeen: new Date(t).toISOString()
    })
  }
  // Every workload has at least one call, so the map has exactly the workloads generated.
  for (const w of all) {
    const mates = (w.id.namespace ? byNs.get(w.id.namespace) : undefined) ?? []
    if (w.role === 'entry') call(w, pick(mates.filter((m) => m.role === 'api' || m.role === 'worker')) ?? pick(ext))
    else if (w.role === 'agent') call(w, pick(mates.filter((m) => m.role === 'store')) ?? pick(ext))
    else if (w.id.kind === 'External') call(pick(apis), w)
    else call(pick(mates.filter((m) => m.role === 'entry' || m.role === 'api')) ?? pick(apis), w)
  }
  let guard = 0
  while (edges.size < opts.calls && guard++ < opts.calls * 50) {
    const c = pick(all)
    const ns = c.id.namespace
    if (!ns) continue
    const r = rand()
    const local = byNs.get(ns) ?? []
    const team = deps.get(ns)
    if (r < 0.62 || (!team && r < 0.8)) call(c, pick(local))
    else if (r < 0.8 && team) call(c, pick(byNs.get(pick(team)) ?? local))
    else if (r < 0.95) call(c, pick(byNs.get(pick(PLATFORM)) ?? local))
    else call(c, pick(ext))
  }
  if (edges.size !== opts.calls) throw new Error(`generated ${edges.size} calls, wanted ${opts.calls}`)
  const seen = new Set([...edges.values()].flatMap((e) => [keyOf(e.client), keyOf(e.server)]))
  if (seen.size !== opts.workloads) throw new Error(`generated ${seen.size} workloads with calls, wanted ${opts.workloads}`)
  return { edges: [...edges.values()], workloads: all.map((w) => w.id), namespaces: nsList }
}

/** The node whose sniffer reports a client's calls: one of eight, by the client's name. */
export function nodeOf (id: Identity): string {
  let h = 0
  for (const c of `${id.namespace ?? ''}/${id.name}`) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return `node-${h % 8}`
}

/** The DNS name a client asks for to reach a server: its Service's, or the external name. */
export const dnsNameOf = (server: Identity): string =>
  server.service && server.namespace ? `${server.service}.${server.namespace}.svc.cluster.local` : server.name

/** The map's edges as the store records them: one observation per evidence kind and port. */
export function callsOf (edges: Edge[]): Call[] {
  const out: Call[] = []
  for (const e of edges) {
    const first = Date.parse(e.firstSeen)
    const last = Date.parse(e.lastSeen)
    for (const evidence of e.evidence) {
      for (const port of e.ports) {
        out.push({
          client: e.client, server: e.server, port, evidence, first, last, count: 1, node: nodeOf(e.client),
          ...(evidence === 'dns' ? { name: dnsNameOf(e.server) } : {}),
          ...(e.addresses ? { addresses: e.addresses } : {})
        })
      }
    }
  }
  return out
}
