/**
 * The mapper's composition root: config, tokens, informers (started, not awaited), the mapper
 * (create-mapper.ts), listen at once (the stored map is served while the informers sync, and reports
 * are held until they have), periodic jobs, shutdown in order.
 */
import { loadConfig } from '../src/config/options.js'
import { readTokenFile } from '../src/config/token-file.js'
import { createLogger } from '../src/log/logger.js'
import { installShutdown } from '../src/lifecycle/shutdown.js'
import { loadKubeConfig } from '../src/kube/kubeconfig.js'
import { mapperOptions } from './config.js'
import { ClusterIndex } from './kube/cluster-index.js'
import { createInformers } from './kube/informers.js'
import { createMapper } from './create-mapper.js'
import { tokenReviewer } from './http/sniffer-auth.js'
import { ConfigInvalid } from '../src/errors/catalogue.js'
import { EmbeddedStore } from './store/embedded-store.js'
import { PostgresStore } from './store/postgres/postgres-store.js'

export async function runMapper (argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(mapperOptions, argv, env)
  const log = createLogger({ level: config.logLevel, component: 'mapper' })
  const token = await readTokenFile('token-file', config.tokenFile)
  const readToken = config.readTokenFile !== undefined ? await readTokenFile('read-token-file', config.readTokenFile) : undefined
  const kubeConfig = loadKubeConfig({ paths: config.kubeconfig, otherwise: 'in-cluster' })
  if (config.snifferAuth !== 'token' && config.snifferServiceAccount === undefined) {
    throw ConfigInvalid('invalid configuration:\n  - --sniffer-service-account: is required with --sniffer-auth serviceaccount or both (the sniffers\' ServiceAccount, e.g. podmap/podmap-sniffer)')
  }

  // The PostgreSQL store's connection string comes from a file (a mounted Secret), never argv or logs.
  if (config.store === 'postgres' && (config.storeDsnFile === undefined || config.stateDir !== undefined)) {
    throw ConfigInvalid(`invalid configuration:\n  - --store postgres: ${config.storeDsnFile === undefined ? '--store-dsn-file is required (a file holding the connection string)' : '--state-dir is for the embedded store; the map is in PostgreSQL'}`)
  }
  const store = config.store === 'postgres'
    ? new PostgresStore({ dsn: await readTokenFile('store-dsn-file', config.storeDsnFile as string), cluster: config.clusterName, log, hourlyHistoryMs: config.hourlyHistory, poolSize: config.storePoolSize })
    : undefined

  const index = new ClusterIndex()
  const informers = createInformers({ kubeConfig, sink: index, log, backoffMaxMs: config.informerBackoffMax, stallTimeoutMs: config.informerStallTimeout, pollIntervalMs: config.informerPollInterval })
  const mapper = await createMapper({
    log,
    token,
    readToken,
    snifferAuth: {
      shared: config.snifferAuth !== 'serviceaccount',
      serviceAccount: config.snifferAuth === 'token' ? undefined : { reviewer: tokenReviewer(kubeConfig, config.snifferTokenAudience), name: config.snifferServiceAccount as string, audience: config.snifferTokenAudience }
    },
    index,
    stateDir: config.stateDir,
    checkpointBytes: config.checkpointBytes,
    store,
    clusterName: config.clusterName,
    hourlyHistoryMs: config.hourlyHistory,
    maxSnapshots: config.maxSnapshots,
    clusterDomain: config.clusterDomain,
    excludeNamespaces: config.excludeNamespaces,
    podCidrs: config.podCidrs,
    serviceCidrs: config.serviceCidrs,
    times: { maxFutureMs: config.maxClockSkew, maxPastMs: config.retention },
    reportRate: config.reportRate > 0 ? { ratePerSecond: config.reportRate, burst: config.reportBurst } : undefined,
    requestTimeoutMs: config.requestTimeout,
    bodyLimit: config.bodyLimit,
    readiness: { ready: () => informers.ready(), detail: () => informers.status() },
    caughtUp: () => informers.caughtUp(),
    maxHeldRecords: config.maxHeldRecords,
    maxEarlyRecords: config.maxEarlyRecords,
    render: { maxGraphNodes: config.graphMaxNodes, deadlineMs: config.renderTimeout, maxHeapMb: config.renderMaxHeap },
    caps: { maxEdges: config.maxEdges, maxEdgesPerNode: config.maxEdgesPerNode, maxExternalNames: config.maxExternalNames, maxExternalNamesPerNode: config.maxExternalNamesPerNode },
    edgeSeries: config.edgeMetrics ? { maxSeries: config.edgeMetricsMaxSeries, cluster: config.clusterName } : undefined,
    clusterView: () => informers.synced() ? 'synced' : informers.caughtUp() ? 'degraded' : 'syncing',
    policiesHidden: () => informers.status().NetworkPolicy?.unavailable
  })
  const { map, metrics, shadow, app, ingestor } = mapper
  if (map.kind === 'postgres') log.info({ store: 'postgres', cluster: config.clusterName, heldRecords: ingestor.heldRecords() }, 'map in PostgreSQL')
  else if (map.durable) log.info({ stateDir: config.stateDir, ...(map instanceof EmbeddedStore ? map.recovered : {}), heldRecords: ingestor.heldRecords() }, 'map loaded')
  else log.warn('no --state-dir: the map lives in memory and will not survive a restart')

  const updateInformerGauges = (): void => {
    const now = Date.now()
    for (const [kind, s] of Object.entries(informers.status())) {
      if (s.lastEventAt) metrics.informerLastEventAge.set({ kind }, (now - s.lastEventAt) / 1000)
      metrics.informerRestarts.set({ kind }, s.restarts)
      metrics.informerUp.set({ kind }, s.synced && !s.failing && !s.stale && s.unavailable === undefined && s.polling === undefined ? 1 : 0)
    }
  }
  updateInformerGauges()
  const informerGauges = setInterval(updateInformerGauges, 5000)
  informerGauges.unref()
  // Reports held while the informers caught up are resolved as soon as they have; records that named
  // an address the informers had not brought yet are resolved again when due.
  const drain = setInterval(() => {
    if (ingestor.heldRecords() > 0 && informers.caughtUp()) ingestor.drain().catch((err: Error) => log.error({ err }, 'resolving held reports failed'))
    if (ingestor.earlyRecords() > 0) ingestor.retryEarly().catch((err: Error) => log.error({ err }, 'resolving early records again failed'))
  }, 1000)
  drain.unref()
  const retention = setInterval(() => {
    // Hourly: forget what retention lets go, and fold hours past the hourly horizon into days (with
    // PostgreSQL, on the one replica of this cluster that holds the jobs lock).
    (async () => {
      if (!(await map.leadsJobs())) return
      const removed = await map.prune(Date.now() - config.retention)
      await map.rollUp()
      metrics.edges.set(await map.edgeCount())
      if (removed > 0) log.info({ removed }, 'retention removed edges with no call left in the window')
    })().catch((err: Error) => log.error({ err }, 'retention prune failed'))
  }, 3_600_000)
  retention.unref()
  // The index forgets deleted pods' addresses once no report can still need them.
  const forget = setInterval(() => { index.forget(Date.now() - config.ipHistoryGrace) }, 60_000)
  forget.unref()
  const shadowGauge = setInterval(() => { shadow.refreshGauge().catch((err: Error) => log.error({ err }, 'shadow gauge failed')) }, 30_000)
  shadowGauge.unref()
  informers.firstSync.then(async () => { await shadow.refreshGauge() }).catch((err: Error) => log.error({ err }, 'shadow gauge failed'))

  await app.listen({ host: config.host, port: config.port })

  installShutdown(log, [
    { name: 'stop accepting requests', run: () => app.close() },
    { name: 'stop informers', run: async () => { for (const t of [informerGauges, drain, retention, forget, shadowGauge]) clearInterval(t); await informers.stop() } },
    { name: 'checkpoint the map', run: () => map.close() }
  ])
}
