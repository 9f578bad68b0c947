/**
 * The sniffer's composition root: config, capture, scanner, collector, reporter, health server,
 * shutdown. Nothing else in sniffer/ reads configuration or starts timers of its own accord.
 */
import { readlink } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { loadConfig } from '../src/config/options.js'
import { createLeanLogger } from '../src/log/lean-logger.js'
import { installShutdown } from '../src/lifecycle/shutdown.js'
import { snifferOptions } from './config.js'
import { createSnifferMetrics, createSnifferRegistry } from './metrics.js'
import { Collector } from './collector.js'
import { createReporter } from './reporter.js'
import { SentLedger } from './sent-ledger.js'
import { HostSynHold } from './host-syns.js'
import { startDnsCapture } from './capture/dns-capture.js'
import type { ConnectObservation } from './capture/packet-decoder.js'
import { LinkKind } from './capture/link-layer.js'
import { createScanner } from './procnet/scanner.js'
import { createHeapKeeper } from './heap-keeper.js'
import { listenHealth } from './health-server.js'
import { safeInterval } from './safe-interval.js'
import { bearerTokenFrom } from './bearer-token.js'

/** Longer than the capture's libpcap read timeout (100 ms). */
const CAPTURE_DRAIN_MS = 250

/** How often the capture filter is matched to the node's addresses (a resolver appearing on the node). */
const LOCAL_SOURCES_INTERVAL_MS = 2000

/** Heap growth since the last full collection that triggers the next one (BENCHMARKS.md, memory). */
const HEAP_HEADROOM_BYTES = 2 << 20

export async function runSniffer (argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(snifferOptions, argv, env)
  const log = createLeanLogger({ level: config.logLevel, component: 'sniffer' })
  const registry = createSnifferRegistry()
  const metrics = createSnifferMetrics(registry)
  const token = await bearerTokenFrom(config, (err) => {
    metrics.tokenReadErrors.inc()
    log.warn({ err: err.message, file: config.serviceAccountTokenFile }, 'cannot read the ServiceAccount token: sending the last one read')
  })
  const collector = new Collector(config.maxPendingRecords, (reason, n) => metrics.recordsDropped.inc({ reason }, n))

  // SYNs from the node's own addresses may be a hostNetwork pod's: they wait for the next scan.
  const hostIps = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)))
  const hostSyns = new HostSynHold(hostIps, (o, at) => collector.addSession(o, at))

  const capture = startDnsCapture({
    device: config.interface,
    bufferSize: config.pcapBufferSize,
    snaplen: config.pcapSnaplen,
    ...(config.pcapLinkType === 'sll' ? { linkType: LinkKind.LINUX_SLL } : config.pcapLinkType === 'sll2' ? { linkType: LinkKind.LINUX_SLL2 } : {}),
    kernelFilters: config.pcapKernelFilter,
    metrics,
    log,
    onResponse: (o) => collector.addDns(o),
    onSkip: (reason) => metrics.dnsSkipped.inc({ reason }),
    ...(config.captureSyns ? { onConnect: (o: ConnectObservation) => hostSyns.offer(o) } : {})
  })
  log.info({ device: config.interface, linkType: capture.linkType, filter: capture.filter }, 'capturing DNS responses')
  const sourcesTimer = setInterval(() => { capture.refreshLocalSources() }, LOCAL_SOURCES_INTERVAL_MS)
  sourcesTimer.unref()

  // The sniffer runs in the node's network namespace (hostNetwork): sockets found there belong to
  // the node or to hostNetwork pods, told apart by the owning process's cgroup.
  const hostNetns = await readlink('/proc/self/ns/net').catch(() => undefined)
  const scanner = createScanner({ procRoot: config.procRoot, metrics, log, ...(hostNetns !== undefined ? { hostNetns } : {}) })
  let scanning = false
  const scanOnce = async (): Promise<void> => {
    if (scanning) return
    scanning = true
    try {
      const at = Date.now()
      const result = await scanner.scan()
      for (const s of result.sessions) collector.addSession(s, at)
      hostSyns.setLocalAddresses(result.localAddresses)
      hostSyns.settle(at, result.sessions, result.podClientEnds)
      log.debug({ sessions: result.sessions.length, namespaces: result.namespaces, ms: result.durationMs }, 'scan done')
    } catch (err) {
      log.error({ err }, 'scan failed')
    } finally {
      scanning = false
    }
  }
  const heap = createHeapKeeper(HEAP_HEADROOM_BYTES)
  let timerErrors = 0
  const onTimerError = (timer: string, err: unknown): void => {
    metrics.timerErrors.inc({ timer })
    // Logged at first and then every 100th: at fd exhaustion this could repeat every tick.
    if (timerErrors++ % 100 === 0) log.error({ err, timer, errors: timerErrors }, 'error in a timer (the sniffer goes on)')
  }
  const scanTimer = safeInterval('scan', config.scanInterval, () => {
    try { capture.pollStats() } catch (err) { onTimerError('pcap-stats', err) }
    try { heap.check() } catch (err) { onTimerError('heap', err) }
    return scanOnce()
  }, onTimerError)
  void scanOnce()

  const reporter = createReporter({
    mapperUrl: config.mapperUrl,
    token,
    nodeName: config.nodeName,
    intervalMs: config.reportInterval,
    maxPendingRecords: config.maxPendingRecords,
    collector,
    ledger: new SentLedger({ refreshMs: config.refreshInterval, maxKeys: config.maxSentKeys, onForget: (n) => metrics.sentKeysForgotten.inc(n), onDefer: (n) => metrics.recordsDeferred.inc(n) }),
    metrics,
    log,
    onTimerError
  })
  reporter.start()

  const server = await listenHealth(config.metricsHost, config.metricsPort, {
    metricsContentType: registry.contentType,
    metrics: async () => { capture.pollStats(); return await registry.metrics() }
  }, {
    maxConnections: config.metricsMaxConnections,
    // Kubelet probes come from the node's own addresses: a flood from pods never starves them.
    localAddresses: hostIps,
    onClosed: (reason) => metrics.healthClosed.inc({ reason }),
    onError: (err) => { onTimerError('health-accept', err) }
  })
  log.info({ port: config.metricsPort, node: config.nodeName, mapper: config.mapperUrl, heapKeeper: heap.enabled }, 'sniffer started')

  installShutdown(log, [
    {
      name: 'stop capture and scans',
      run: async () => {
        clearInterval(scanTimer)
        clearInterval(sourcesTimer)
        // libpcap hands over a block at most one read timeout late: wait for it, so the last
        // packets are decoded into the last batch, then close.
        await new Promise((resolve) => setTimeout(resolve, CAPTURE_DRAIN_MS))
        capture.close()
      }
    },
    { name: 'send the last batch', run: async () => { await scanOnce(); hostSyns.flush(); reporter.stop(); await reporter.flush() } },
    { name: 'close health server', run: () => new Promise<void>((resolve) => server.close(() => resolve())) }
  ])
}
