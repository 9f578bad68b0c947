/**
 * The mapper's composition root: config, token, informers (awaiting first sync), resolver, store,
 * app, listen, shutdown.
 */
import { loadConfig } from '../src/config/options.js'
import { readTokenFile } from '../src/config/token-file.js'
import { createLogger } from '../src/log/logger.js'
import { createRegistry } from '../src/metrics/registry.js'
import { installShutdown } from '../src/lifecycle/shutdown.js'
import { mapperOptions } from './config.js'
import { createMapperMetrics } from './metrics.js'
import { ClusterIndex } from './kube/cluster-index.js'
import { loadKubeConfig, startInformers } from './kube/informers.js'
import { Resolver } from './resolve/resolver.js'
import { DurableMap } from './store/durable-map.js'
import { createIngestor } from './resolve/ingest.js'
import { createTokenCheck } from './http/token-check.js'
import { buildApp } from './app.js'
import { createShadowService } from './policy/shadow-service.js'

export async function runMapper (argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(mapperOptions, argv, env)
  const log = createLogger({ level: config.logLevel, component: 'mapper' })
  const token = await readTokenFile('token-file', config.tokenFile)
  const readToken = config.readTokenFile !== undefined ? await readTokenFile('read-token-file', config.readTokenFile) : undefined

  const registry = createRegistry('mapper')
  const metrics = createMapperMetrics(registry)
  const index = new ClusterIndex()
  const map = new DurableMap({ stateDir: config.stateDir, log })
  await map.open()
  if (map.durable) log.info({ stateDir: config.stateDir, ...map.recovered }, 'map loaded')
  else log.warn('no --state-dir: the map lives in memory and will not survive a restart')
  metrics.edges.set(map.store.size)
  const resolver = new Resolver(index, {
    clusterDomain: config.clusterDomain,
    excludeNamespaces: config.excludeNamespaces,
    onUnresolved: (reason, n) => metrics.unresolved.inc({ reason }, n),
    onRekey: (from, to) => {
      log.info({ from, to }, 'a late owner renamed a workload in the map')
      map.rekey(from, to).catch((err: Error) => log.error({ err }, 'persisting a rename failed'))
    }
  })
  // Owners can arrive after their pods (informers sync in any order): re-walk provisional identities
  // once the burst of owner events has settled.
  let reconcileTimer: NodeJS.Timeout | undefined
  index.onOwnerChange = () => {
    if (reconcileTimer || resolver.provisionalCount === 0) return
    reconcileTimer = setTimeout(() => { reconcileTimer = undefined; resolver.reconcile() }, 200)
    reconcileTimer.unref()
  }

  const kubeConfig = loadKubeConfig(config.kubeconfig)
  const informers = await startInformers({ kubeConfig, sink: index, log, backoffMaxMs: config.informerBackoffMax, stallTimeoutMs: config.informerStallTimeout })
  log.info('informers synced')
  const informerGauges = setInterval(() => {
    const now = Date.now()
    for (const [kind, s] of Object.entries(informers.status())) {
      if (s.lastEventAt) metrics.informerLastEventAge.set({ kind }, (now - s.lastEventAt) / 1000)
      metrics.informerRestarts.set({ kind }, s.restarts)
    }
  }, 5000)
  informerGauges.unref()
  const retention = setInterval(() => {
    map.prune(Date.now() - config.retention).then((removed) => {
      metrics.edges.set(map.store.size)
      if (removed > 0) log.info({ removed }, 'retention removed edges with no call left in the window')
    }, (err: Error) => log.error({ err }, 'retention prune failed'))
  }, 3_600_000)
  retention.unref()

  const shadow = createShadowService({ cluster: index, allEdges: () => map.store.list(), gauge: metrics.shadowDeniedCalls })
  shadow.refreshGauge()
  const shadowGauge = setInterval(() => shadow.refreshGauge(), 30_000)
  shadowGauge.unref()

  const app = await buildApp({
    log,
    registry,
    metrics,
    map,
    labelsOf: (id) => index.workloadPods(id).map((p) => p.labels),
    ingestor: createIngestor({ resolver, map, metrics, times: { maxFutureMs: config.maxClockSkew, maxPastMs: config.retention } }),
    checkToken: createTokenCheck(token),
    readiness: { ready: () => informers.synced(), detail: () => informers.status() },
    bodyLimit: config.bodyLimit,
    checkReadToken: readToken === undefined ? undefined : createTokenCheck(readToken),
    reportRate: config.reportRate > 0 ? { ratePerSecond: config.reportRate, burst: config.reportBurst } : undefined,
    requestTimeoutMs: config.requestTimeout,
    cluster: index,
    shadow
  })
  await app.listen({ host: config.host, port: config.port })

  installShutdown(log, [
    { name: 'stop accepting requests', run: () => app.close() },
    { name: 'stop informers', run: async () => { clearInterval(informerGauges); clearInterval(retention); clearInterval(shadowGauge); await informers.stop() } },
    { name: 'checkpoint the map', run: () => map.close() }
  ])
}
