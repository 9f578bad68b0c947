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
  /** How often a kind that may be listed but not watched is re-listed, and a refused one retried (default 60 s). */
  pollIntervalMs?: number
  /** Default: every kind in INFORMER_KINDS. */
  kinds?: KindName[]
  /** Aborting it gives up waiting for the first sync: everything is stopped and the promise rejects. */
  signal?: AbortSignal
}

export interface InformerSet {
  /** Pods have synced and their informer is neither failing nor stalled: what /readyz reports. */
  ready: () => boolean
  /** Every kind has synced or is known to be unavailable, and none is failing or stalled. */
  synced: () => boolean
  /**
   * Reports can be resolved: Pods have synced (without them nothing resolves, so reports wait), and
   * Services, EndpointSlices and Nodes have synced or are known to be refused.
   */
  caughtUp: () => boolean
  status: () => Record<KindName, KindStatus>
  /** Resolves once every kind has delivered its first list or is known to be unavailable. */
  firstSync: Promise<void>
  stop: () => Promise<void>
}

/** Without these kinds, observations cannot be resolved well: reports wait for them (or for knowing they are refused). */
export const RESOLUTION_KINDS: readonly KindName[] = ['Pod', 'Service', 'EndpointSlice', 'Node']

/**
 * Starts one informer per kind and returns at once. A kind the API server refuses (RBAC, not served)
 * is marked unavailable and does not hold anything up; an unreachable API server is retried with
 * capped backoff (a warning per failure).
 */
export function createInformers (opts: InformerOptions): InformerSet {
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
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 120,
      pollIntervalMs: opts.pollIntervalMs
    }))
  }
  const healthy = (s: KindStatus): boolean => !s.failing && !s.stale
  const settled = (s: KindStatus): boolean => (s.synced && healthy(s)) || s.unavailable !== undefined
  const set: InformerSet = {
    ready: () => { const s = informers.get('Pod')?.status(); return s === undefined || (s.synced && healthy(s)) },
    synced: () => [...informers.values()].every((i) => settled(i.status())),
    caughtUp: () => RESOLUTION_KINDS.every((k) => {
      const s = informers.get(k)?.status()
      if (s === undefined) return true
      return s.synced && s.unavailable === undefined ? true : k !== 'Pod' && s.unavailable !== undefined
    }),
    status: () => Object.fromEntries([...informers].map(([k, i]) => [k, i.status()])) as Record<KindName, KindStatus>,
    firstSync: Promise.all([...informers.values()].map(async (i) => await i.firstSync)).then(() => {
      opts.log.info({ kinds: kinds.length, ms: Date.now() - started, unavailable: [...informers].filter(([, i]) => i.status().unavailable).map(([k]) => k) }, 'informers synced')
    }),
    stop: async () => { await Promise.all([...informers.values()].map(async (i) => await i.stop())) }
  }
  for (const i of informers.values()) i.start()
  return set
}

/**
 * createInformers, then waits for the first sync of every kind (tests and benches). `signal` aborting
 * gives up: everything is stopped and the promise rejects.
 */
export async function startInformers (opts: InformerOptions): Promise<InformerSet> {
  opts.signal?.throwIfAborted()
  const set = createInformers(opts)
  if (!opts.signal) { await set.firstSync; return set }
  const signal = opts.signal
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('informer start aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    await Promise.race([set.firstSync, aborted])
  } catch (err) {
    await set.stop()
    throw err
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
  return set
}
