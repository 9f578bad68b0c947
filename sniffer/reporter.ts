/**
 * Sends drained batches to the mapper. A failed send keeps its batch and retries with backoff;
 * the retry buffer is bounded by records, and whatever overflows it is counted. A batch the mapper
 * refuses as invalid (4xx other than 408/429) cannot succeed by retrying: it is dropped and counted.
 * Sending never blocks capture: it runs on a timer, one request at a time.
 */
import { MAX_RECORDS_PER_KIND, REPORT_VERSION } from '../src/contract/report-limits.js'
import type { Report } from '../src/contract/report.js'
import { postJson } from './http-post.js'
import { safeInterval } from './safe-interval.js'
import type { Log } from '../src/log/log.js'
import type { Batch, Collector } from './collector.js'
import type { SentLedger } from './sent-ledger.js'
import type { SnifferMetrics } from './metrics.js'
import type { BearerToken } from './bearer-token.js'

export interface ReporterOptions {
  mapperUrl: string
  /** Where each report gets its bearer token (fixed, or a rotating ServiceAccount token: bearer-token.ts). */
  token: BearerToken
  nodeName: string
  intervalMs: number
  maxPendingRecords: number
  collector: Collector
  /** What was sent already: decides what of each drained batch goes out now (sent-ledger.ts). */
  ledger: SentLedger
  metrics: SnifferMetrics
  log: Log
  requestTimeoutMs?: number
  /** Errors thrown in the report timer (caught there: a throw in a timer would end the sniffer). */
  onTimerError?: (timer: string, err: unknown) => void
}

export interface Reporter {
  start: () => void
  /** One report as the timer makes it: what is new or due now. */
  report: () => Promise<void>
  /** Drains the collector and tries to send everything pending once, due or not (used at shutdown). */
  flush: () => Promise<void>
  stop: () => void
  pendingRecords: () => number
}

const recordsOf = (b: Batch): number => b.dns.length + b.sockets.length

export function createReporter (opts: ReporterOptions): Reporter {
  const url = new URL('/api/v1/reports', opts.mapperUrl)
  const pending: Batch[] = []
  let pendingCount = 0
  let timer: NodeJS.Timeout | undefined
  let sending: Promise<void> | undefined
  let failures = 0
  let nextAttemptAt = 0

  const updateGauge = (): void => { opts.metrics.pendingRecords.set(pendingCount + opts.collector.size) }

  function enqueue (batch: Batch): void {
    // Split so no report exceeds what the mapper accepts per kind.
    while (batch.dns.length > 0 || batch.sockets.length > 0) {
      const part = { dns: batch.dns.splice(0, MAX_RECORDS_PER_KIND), sockets: batch.sockets.splice(0, MAX_RECORDS_PER_KIND) }
      pending.push(part)
      pendingCount += recordsOf(part)
    }
    while (pendingCount > opts.maxPendingRecords && pending.length > 0) {
      const dropped = pending.shift() as Batch
      pendingCount -= recordsOf(dropped)
      opts.ledger.forget(dropped)
      opts.metrics.recordsDropped.inc({ reason: 'retry-buffer-full' }, recordsOf(dropped))
      opts.log.warn({ records: recordsOf(dropped) }, 'retry buffer full: dropped the oldest batch')
    }
  }

  /** The mapper process that acknowledged last (its ack's instance id). */
  let mapperInstance: string | undefined
  function noteInstance (ackText: string): void {
    let instance: unknown
    try { instance = (JSON.parse(ackText) as { instance?: unknown }).instance } catch { return }
    if (typeof instance !== 'string') return
    if (mapperInstance !== undefined && instance !== mapperInstance) {
      opts.log.info({ previous: mapperInstance, instance }, 'the mapper restarted: sending what is current again')
      opts.ledger.mapperRestarted()
      opts.metrics.mapperRestarts.inc()
    }
    mapperInstance = instance
  }

  async function sendOne (batch: Batch): Promise<'ok' | 'retry' | 'rejected'> {
    const report: Report = { version: REPORT_VERSION, node: opts.nodeName, sentAt: Date.now(), dns: batch.dns, sockets: batch.sockets }
    try {
      const token = await opts.token()
      const res = await postJson(url, JSON.stringify(report), { authorization: `Bearer ${token}` }, opts.requestTimeoutMs ?? 10_000)
      if (res.status >= 200 && res.status < 300) { noteInstance(res.text); return 'ok' }
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        opts.log.error({ status: res.status, body: res.text.slice(0, 500) }, 'mapper refused a report')
        return 'rejected'
      }
      opts.log.warn({ status: res.status }, 'mapper answered an error; will retry')
      return 'retry'
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, url: url.href }, 'mapper unreachable; will retry')
      return 'retry'
    }
  }

  async function sendPending (): Promise<void> {
    while (pending.length > 0) {
      const batch = pending[0] as Batch
      const outcome = await sendOne(batch)
      opts.metrics.reports.inc({ outcome })
      if (outcome === 'retry') {
        failures++
        nextAttemptAt = Date.now() + Math.min(opts.intervalMs * 2 ** Math.min(failures - 1, 6), 60_000)
        return
      }
      failures = 0
      pending.shift()
      pendingCount -= recordsOf(batch)
      if (outcome === 'ok') opts.metrics.recordsSent.inc(recordsOf(batch))
      else opts.metrics.recordsDropped.inc({ reason: 'rejected' }, recordsOf(batch))
    }
  }

  function tick (force: boolean): Promise<void> {
    if (sending) return sending
    const drained = opts.collector.drain()
    const batch = opts.ledger.take(drained, Date.now(), force)
    opts.metrics.sentKeys.set(opts.ledger.size)
    if (recordsOf(batch) > 0) enqueue(batch)
    updateGauge()
    if (!force && Date.now() < nextAttemptAt) return Promise.resolve()
    sending = sendPending().finally(() => { sending = undefined; updateGauge() })
    return sending
  }

  return {
    start () {
      timer = safeInterval('report', opts.intervalMs, () => tick(false), opts.onTimerError ?? ((_t, err) => { opts.log.error({ err }, 'report timer failed') }))
    },
    async report () {
      if (sending) await sending
      await tick(false)
    },
    async flush () {
      if (sending) await sending
      await tick(true)
    },
    stop () { if (timer) clearInterval(timer) },
    pendingRecords: () => pendingCount
  }
}
