/**
 * The mapper's informer layer: the only way it reads cluster state. One client-node ListWatch per
 * kind, cluster-wide, each supervised (restart with capped backoff, stall detection) and feeding a
 * synchronous, idempotent sink.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { Logger } from '../../src/log/logger.js'
import { ALL_KINDS, type KindName } from './informer-kinds.js'
import { KindInformer, type InformerSink, type KindStatus } from './informer-supervisor.js'

export { ALL_KINDS, INFORMER_KINDS, type KindName } from './informer-kinds.js'
export type { InformerSink, KindStatus } from './informer-supervisor.js'

export interface InformerOptions {
  kubeConfig: KubeConfig
  sink: InformerSink
  log: Logger
  /** Longest wait before restarting a failed informer. */
  backoffMaxMs: number
  /** First wait after a failure; doubles per consecutive failure (default 500 ms). */
  backoffInitialMs?: number
  /** A watch that delivered nothing (not even a bookmark or its end) for this long is restarted (default 180 s). */
  stallTimeoutMs?: number
  /** timeoutSeconds asked of the server per watch, plus up to 20 % jitter (default 120 s). */
  watchTimeoutSeconds?: number
  /** Default: every kind in INFORMER_KINDS. */
  kinds?: KindName[]
  /** Aborting it gives up waiting for the first sync: everything is stopped and the promise rejects. */
  signal?: AbortSignal
}

export interface InformerSet {
  /** Every kind has synced and none is currently failing or stalled: what /readyz reports. */
  synced: () => boolean
  status: () => Record<KindName, KindStatus>
  stop: () => Promise<void>
}

/**
 * Starts one informer per kind and resolves once each has delivered its first full list. If the API
 * server is unreachable it keeps retrying (capped backoff, a warning per failure) until it answers or
 * `signal` aborts.
 */
export async function startInformers (opts: InformerOptions): Promise<InformerSet> {
  const kinds = opts.kinds ?? ALL_KINDS
  const started = Date.now()
  const informers = new Map<KindName, KindInformer>()
  for (const kind of kinds) {
    informers.set(kind, new KindInformer({
      kind,
      kubeConfig: opts.kubeConfig,
      sink: opts.sink,
      log: opts.log,
      backoffInitialMs: opts.backoffInitialMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs,
      stallTimeoutMs: opts.stallTimeoutMs ?? 180_000,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 120
    }))
  }
  const set: InformerSet = {
    synced: () => [...informers.values()].every((i) => { const s = i.status(); return s.synced && !s.failing && !s.stale }),
    status: () => Object.fromEntries([...informers].map(([k, i]) => [k, i.status()])) as Record<KindName, KindStatus>,
    stop: async () => { await Promise.all([...informers.values()].map(async (i) => await i.stop())) }
  }
  opts.signal?.throwIfAborted()
  for (const i of informers.values()) i.start()
  const all = Promise.all([...informers.values()].map(async (i) => await i.firstSync))
  if (opts.signal) {
    const signal = opts.signal
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('informer start aborted'))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      await Promise.race([all, aborted])
    } catch (err) {
      await set.stop()
      throw err
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort)
    }
  } else {
    await all
  }
  opts.log.info({ kinds: kinds.length, ms: Date.now() - started }, 'informers synced')
  return set
}
