/**
 * The mapper's composition root: config, tokens, the mapper (create-mapper.ts), informers (awaiting
 * first sync), listen, periodic jobs, shutdown in order.
 */
import { loadConfig } from '../src/config/options.js'
import { readTokenFile } from '../src/config/token-file.js'
import { createLogger } from '../src/log/logger.js'
import { installShutdown } from '../src/lifecycle/shutdown.js'
import { mapperOptions } from './config.js'
import { startInformers, type InformerSet } from './kube/informers.js'
import { loadKubeConfig } from '../src/kube/kubeconfig.js'
import { createMapper } from './create-mapper.js'

export async function runMapper (argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(mapperOptions, argv, env)
  const log = createLogger({ level: config.logLevel, component: 'mapper' })
  const token = await readTokenFile('token-file', config.tokenFile)
  const readToken = config.readTokenFile !== undefined ? await readTokenFile('read-token-file', config.readTokenFile) : undefined

  let informers: InformerSet | undefined
  const mapper = await createMapper({
    log,
    token,
    readToken,
    stateDir: config.stateDir,
    clusterDomain: config.clusterDomain,
    excludeNamespaces: config.excludeNamespaces,
    times: { maxFutureMs: config.maxClockSkew, maxPastMs: config.retention },
    reportRate: config.reportRate > 0 ? { ratePerSecond: config.reportRate, burst: config.reportBurst } : undefined,
    requestTimeoutMs: config.requestTimeout,
    bodyLimit: config.bodyLimit,
    readiness: { ready: () => informers?.synced() ?? false, detail: () => informers?.status() ?? {} }
  })
  const { map, metrics, index, shadow, app } = mapper
  if (map.durable) log.info({ stateDir: config.stateDir, ...map.recovered }, 'map loaded')
  else log.warn('no --state-dir: the map lives in memory and will not survive a restart')

  informers = await startInformers({ kubeConfig: loadKubeConfig({ paths: config.kubeconfig, otherwise: 'in-cluster' }), sink: index, log, backoffMaxMs: config.informerBackoffMax, stallTimeoutMs: config.informerStallTimeout })
  const informerGauges = setInterval(() => {
    const now = Date.now()
    for (const [kind, s] of Object.entries(informers?.status() ?? {})) {
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
  shadow.refreshGauge()
  const shadowGauge = setInterval(() => shadow.refreshGauge(), 30_000)
  shadowGauge.unref()

  await app.listen({ host: config.host, port: config.port })

  installShutdown(log, [
    { name: 'stop accepting requests', run: () => app.close() },
    { name: 'stop informers', run: async () => { clearInterval(informerGauges); clearInterval(retention); clearInterval(shadowGauge); await informers?.stop() } },
    { name: 'checkpoint the map', run: () => map.close() }
  ])
}
