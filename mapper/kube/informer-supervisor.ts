/**
 * One kind's informer (client-node ListWatch) kept alive: restart on error after a capped exponential
 * backoff, restart a watch that went silent (no event, no bookmark, no end) for `stallTimeoutMs`, and
 * keep the status readiness and metrics read.
 */
import { ListWatch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import type { Logger } from '../../src/log/logger.js'
import { InformerWatch, listAll } from './informer-http.js'
import { INFORMER_KINDS, type KindName } from './informer-kinds.js'

export interface InformerSink {
  upsert: (kind: KindName, obj: KubernetesObject, at: number) => void
  remove: (kind: KindName, obj: KubernetesObject, at: number) => void
}

export interface KindStatus {
  /** The first full list has been delivered to the sink. */
  synced: boolean
  /** Epoch ms of the last list, event or bookmark received; undefined before the first. */
  lastEventAt: number | undefined
  restarts: number
  lastError?: string
  /** The last list/watch attempt failed and a restart is pending. */
  failing: boolean
  /** The watch went silent past the stall timeout and is being restarted. */
  stale: boolean
}

export interface SupervisorOptions {
  kind: KindName
  kubeConfig: KubeConfig
  sink: InformerSink
  log: Logger
  backoffInitialMs: number
  backoffMaxMs: number
  stallTimeoutMs: number
  watchTimeoutSeconds: number
}

export class KindInformer {
  private readonly informer: ListWatch<KubernetesObject>
  private readonly listAbort = new AbortController()
  private readonly state: KindStatus = { synced: false, lastEventAt: undefined, restarts: 0, failing: false, stale: false }
  private failures = 0
  private conn = 0
  private watching = false
  private lastActivityAt = 0
  private restartTimer: NodeJS.Timeout | undefined
  private stallTimer: NodeJS.Timeout | undefined
  private stopped = false
  private resolveSynced!: () => void
  /** Resolves on the first complete list. */
  readonly firstSync = new Promise<void>((resolve) => { this.resolveSynced = resolve })
  private justListed = false

  constructor (private readonly o: SupervisorOptions) {
    const path = INFORMER_KINDS[o.kind]
    const watch = new InformerWatch(o.kubeConfig, {
      onStart: (conn) => {
        this.conn = conn
        this.watching = true
        this.lastActivityAt = Date.now()
        if (this.justListed) { this.justListed = false; this.markSynced() }
      },
      onOpen: (conn) => { if (conn === this.conn) this.healthy() },
      onLine: (conn, type, object) => {
        if (conn !== this.conn) return
        this.lastActivityAt = Date.now()
        this.state.lastEventAt = this.lastActivityAt
        if (this.state.stale) o.log.info({ kind: o.kind }, 'informer watch flowing again')
        this.state.stale = false
        if (type === 'ERROR') o.log.warn({ kind: o.kind, status: object }, 'watch sent an ERROR event')
        if (type === 'HANDLER_ERROR') o.log.error({ kind: o.kind, err: object }, 'informer handler failed')
      },
      onEnd: (conn, err) => {
        if (conn !== this.conn) return
        this.watching = false
        // A clean end (server-side timeout) shows the connection works even if the cluster is quiet.
        if (err === null) this.state.stale = false
      }
    }, { timeoutSeconds: () => Math.round(o.watchTimeoutSeconds * (1 + Math.random() * 0.2)) })
    const listFn = async (): Promise<Awaited<ReturnType<typeof listAll>>> => {
      const list = await listAll(o.kubeConfig, path, this.listAbort.signal, o.stallTimeoutMs)
      this.state.lastEventAt = Date.now()
      this.justListed = true
      return list
    }
    this.informer = new ListWatch(path, watch, listFn, false)
    this.informer.on('add', (obj) => this.deliver('upsert', obj))
    this.informer.on('update', (obj) => this.deliver('upsert', obj))
    this.informer.on('delete', (obj) => this.deliver('remove', obj))
    this.informer.on('error', (err) => this.onError(err))
  }

  start (): void {
    const every = Math.max(50, Math.min(5000, Math.floor(this.o.stallTimeoutMs / 4)))
    this.stallTimer = setInterval(() => this.checkStall(), every)
    this.stallTimer.unref()
    this.run()
  }

  status (): KindStatus {
    return { ...this.state }
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.restartTimer)
    clearInterval(this.stallTimer)
    this.listAbort.abort()
    await this.informer.stop()
  }

  private run (): void {
    if (this.stopped) return
    this.informer.start().catch((err: unknown) => this.onError(err))
  }

  private restart (why: string): void {
    if (this.stopped) return
    clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    this.state.restarts++
    this.o.log.debug({ kind: this.o.kind, why, restarts: this.state.restarts }, 'restarting informer')
    this.run()
  }

  private deliver (op: 'upsert' | 'remove', obj: KubernetesObject): void {
    const at = Date.now()
    try {
      this.o.sink[op](this.o.kind, obj, at)
    } catch (err) {
      this.o.log.error({ kind: this.o.kind, err, name: obj.metadata?.name, namespace: obj.metadata?.namespace }, `sink ${op} failed`)
    }
  }

  private markSynced (): void {
    this.healthy()
    if (!this.state.synced) {
      this.state.synced = true
      this.resolveSynced()
    }
  }

  private healthy (): void {
    if (this.state.failing) this.o.log.info({ kind: this.o.kind, restarts: this.state.restarts }, 'informer recovered')
    this.state.failing = false
    this.failures = 0
  }

  private onError (err: unknown): void {
    if (this.stopped) return
    this.watching = false
    this.failures++
    this.state.failing = true
    this.state.lastError = err instanceof Error ? err.message : String(err)
    const delay = Math.min(this.o.backoffMaxMs, this.o.backoffInitialMs * 2 ** Math.min(30, this.failures - 1))
    const server = this.o.kubeConfig.getCurrentCluster()?.server
    this.o.log.warn({ kind: this.o.kind, server, err: this.state.lastError, failures: this.failures, retryInMs: delay }, this.state.synced
      ? 'informer failed; restarting after backoff'
      : 'cannot list from the API server yet; retrying after backoff')
    clearTimeout(this.restartTimer)
    // Not unref'd: while the first sync is pending this timer is what keeps the process waiting.
    this.restartTimer = setTimeout(() => this.restart('error'), delay)
  }

  private checkStall (): void {
    if (this.stopped || !this.watching) return
    const silentMs = Date.now() - this.lastActivityAt
    if (silentMs < this.o.stallTimeoutMs) return
    this.state.stale = true
    this.state.lastError = `watch stalled: nothing received for ${silentMs} ms`
    this.o.log.warn({ kind: this.o.kind, silentMs }, 'informer watch stalled; restarting it')
    this.watching = false
    this.restart('stall')
  }
}
