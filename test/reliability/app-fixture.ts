/** The mapper app on the shop fixture cluster, driven through inject(), with its log captured. */
import { Writable } from 'node:stream'
import { buildApp, type AppDeps } from '../../mapper/app.js'
import { createMapperMetrics } from '../../mapper/metrics.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { createLogger } from '../../src/log/logger.js'
import { DurableMap } from '../../mapper/graph/durable-map.js'
import { Resolver } from '../../mapper/graph/resolver.js'
import { createIngestor } from '../../mapper/graph/ingest.js'
import { createTokenCheck } from '../../mapper/auth.js'
import { shopIndex, IP, T0 } from '../mapper/fixtures.js'

export const TOKEN = 'rel-s3cret-token-0123456789'
export const auth = { authorization: `Bearer ${TOKEN}` }
export { IP, T0 }

export async function appFixture (extra: Partial<AppDeps> = {}) {
  const logged: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { logged.push(String(chunk)); cb() } })
  const log = createLogger({ level: 'info', component: 'mapper', destination: sink })
  const registry = createRegistry('mapper')
  const metrics = createMapperMetrics(registry)
  const map = new DurableMap({ log })
  await map.open()
  const store = map.store
  const index = shopIndex()
  const resolver = new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: (reason, n) => metrics.unresolved.inc({ reason }, n) })
  const app = await buildApp({
    log, registry, metrics, map,
    labelsOf: (id) => index.workloadPods(id).map((p) => p.labels),
    ingestor: createIngestor({ resolver, map, metrics }),
    checkToken: createTokenCheck(TOKEN),
    readiness: { ready: () => true, detail: () => ({}) },
    bodyLimit: 256 * 1024,
    ...extra
  })
  return { app, store, logged, registry }
}

export const validReport = (node = 'node-a') => ({
  version: 1,
  node,
  sentAt: T0,
  dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0 + 5000, count: 2 }]
})
