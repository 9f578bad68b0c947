/**
 * One kind's informer (client-node ListWatch) kept alive: restart on error after a capped exponential
 * backoff, restart a watch that went silent (no event, no bookmark, no end) for `stallTimeoutMs`, and
 * keep the status readiness and metrics read.
 *
 * Degrades instead of blocking: a list the API server refuses (403: RBAC; 404: the API is not served)
 * marks the kind unavailable, says once which permission is missing, and is retried slowly (a role
 * can be granted later); a watch refused while the list is allowed turns the kind into polling (a
 * re-list, which ListWatch diffs into adds, updates and deletes, and a new try to watch: soon at
 * first, then every `pollIntervalMs`) until a watch is served again.
 *
 * Both refusals are retried soon at first because an API server that has just restarted answers 403
 * to everything until its RBAC cache is filled: without that, one unlucky re-watch right after a
 * restart left a kind a whole poll interval behind (new pods unknown, their calls mapped as External).
 */
import { ListWatch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import { keepIdentityOnly, slimObject } from './slim-object.js'
import type { Logger } from '../../src/log/logger.js'
import { ApiError, InformerWatch, listAll } from './informer-http.js'
import { INFORMER_KINDS, type KindName } from './informer-kinds.js'

/**
 * Where objects go. `upsert` reads the object during the call and keeps its own copy of what it
 * needs: afterwards the informer cuts its cached object down to name, namespace, uid and
 * resourceVersion (slim-object.ts keepIdentityOnly). `remove` gets that identity.
 */
export interface InformerSink {
  upsert: (kind: KindName, obj: KubernetesObject, at: number) => void
  remove: (kind: KindName, obj: KubernetesObject, at: number) => void
}

export interface KindStatus {
  /** The first full list has been delivered to the sink. */
  synced: boolean
  /** The API server refuses to list this kind (RBAC, or the API is not served): why, and what to grant. */
  unavailable?: string
  /** The list works but watching is refused: the kind is re-listed (soon, then every `pollIntervalMs`) until a watch is served. */
  polling?: string
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
  /** How often a kind that may be listed but not watched is re-listed, and a refused kind retried (default 60 s). */
  pollIntervalMs?: number
}

/** RBAC's words for a kind's collection path: `jobs` in apiGroup `batch`. */
export function resourceOf (path: string): { resource: string, group: string } {
  const parts = path.split('/').filter((p) => p !== '')
  const resource = parts[parts.length - 1] ?? path
  return { resource, group: parts[0] === 'api' ? '' : parts[1] ?? '' }
}

export class KindInformer {
  private readonly informer: ListWatch<KubernetesObject>
  private readonly listAbort = new AbortController()
  private readonly state: KindStatus = { synced: false, lastEventAt: undefined, restarts: 0, failing: false, stale: false }
  private failures = 0
  /** Watches refused in a row (403/404) since one was last served. */
  private watchRefusals = 0
  private conn = 0
  private watching = false
  private lastActivityAt = 0
  private restartTimer: NodeJS.Timeout | undefined
  private stallTimer: NodeJS.Timeout | undefined
  private stopped = false
  private resolveSynced!: () => void
  /** Resolves on the first complete list, or once the kind is known to be unavailable. */
  readonly firstSync = new Promise<void>((resolve) => { this.resolveSynced = resolve })
  private listing = false
  private justListed = false
  /** The next watch is preceded by a list (a poll). */
  private relistNext = false

  constructor (private readonly o: SupervisorOptions) {
    const path = INFORMER_KINDS[o.kind]
    const watch = new InformerWatch(o.kubeConfig, {
      onStart: (conn) => {
        this.conn = conn
        this.watching = true
        this.lastActivityAt = Date.now()
        if (this.justListed) { this.justListed = false; this.markSynced() }
      },
      onOpen: (conn) => {
        if (conn !== this.conn) return
        this.healthy()
        this.watchRefusals = 0
        if (this.state.polling !== undefined) {
          o.log.info({ kind: o.kind }, `informer: the API server serves watches of ${o.kind} objects again; polling stopped`)
          this.state.polling = undefined
        }
      },
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
        // A refused watch (403/404) reaches onError through ListWatch, which turns it into polling.
        // A clean end (server-side timeout) shows the connection works even if the cluster is quiet.
        if (err === null) this.state.stale = false
      }
    }, {
      timeoutSeconds: () => Math.round(o.watchTimeoutSeconds * (1 + Math.random() * 0.2)),
      // A polled kind lists again on each try; the watch after that list tells whether watching is back.
      relist: () => { const again = this.relistNext; this.relistNext = false; return again },
      slim: (obj) => slimObject(o.kind, obj)
    })
    const listFn = async (): Promise<Awaited<ReturnType<typeof listAll>>> => {
      this.listing = true
      try {
        const list = await listAll(o.kubeConfig, path, this.listAbort.signal, o.stallTimeoutMs, (obj) => slimObject(o.kind, obj))
        this.state.lastEventAt = Date.now()
        this.justListed = true
        if (this.state.unavailable) { o.log.info({ kind: o.kind }, 'informer: the API server lists this kind now'); this.state.unavailable = undefined }
        if (this.state.polling) this.markSynced()
        return list
      } finally {
        this.listing = false
      }
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
      // ListWatch caches `obj`; the index has read it: the cache needs only its identity (slim-object.ts).
      if (op === 'upsert') keepIdentityOnly(this.o.kind, obj)
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
    if (err instanceof ApiError && (err.statusCode === 403 || err.statusCode === 404)) {
      if (this.listing || !this.state.synced) return this.listRefused(err)
      return this.watchRefused(err)
    }
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

  /** The list is refused: the kind is unavailable; say once what to grant; retry slowly; do not hold start-up. */
  private listRefused (err: ApiError): void {
    const { resource, group } = resourceOf(INFORMER_KINDS[this.o.kind])
    const why = err.statusCode === 403
      ? `forbidden: grant get, list and watch on ${resource}${group ? ` (apiGroup ${group})` : ''} cluster-wide to the mapper's ServiceAccount`
      : `not served by this API server (${INFORMER_KINDS[this.o.kind]})`
    if (this.state.unavailable !== why) this.o.log.warn({ kind: this.o.kind, err: err.message }, `informer: cannot list ${this.o.kind} objects: ${why}; mapping without them`)
    this.state.unavailable = why
    this.state.failing = false
    this.state.lastError = err.message
    this.resolveSynced()
    // Soon at first (an API server that has just started answers 403 until its RBAC cache is
    // filled), then every poll interval.
    this.failures++
    this.retryIn(Math.min(this.pollMs(), this.o.backoffInitialMs * 2 ** Math.min(30, this.failures)))
  }

  /** Watching is refused but listing works: poll by re-listing. */
  private watchRefused (err: ApiError): void {
    const { resource, group } = resourceOf(INFORMER_KINDS[this.o.kind])
    const why = `watch ${err.statusCode === 403 ? 'forbidden' : 'not served'}: re-listing (at most ${Math.round(this.pollMs() / 1000)} s apart) until a watch is served (grant watch on ${resource}${group ? ` (apiGroup ${group})` : ''} for live updates)`
    if (this.state.polling !== why) this.o.log.warn({ kind: this.o.kind, err: err.message }, `informer: cannot watch ${this.o.kind} objects: ${why}`)
    this.state.polling = why
    this.state.failing = false
    this.state.stale = false
    this.state.lastError = err.message
    this.markSynced()
    this.relistNext = true
    this.watchRefusals++
    this.retryIn(Math.min(this.pollMs(), this.o.backoffInitialMs * 2 ** Math.min(30, this.watchRefusals)))
  }

  private pollMs (): number { return this.o.pollIntervalMs ?? 60_000 }

  private retryIn (ms: number): void {
    clearTimeout(this.restartTimer)
    this.restartTimer = setTimeout(() => this.restart('poll'), ms)
    this.restartTimer.unref()
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
