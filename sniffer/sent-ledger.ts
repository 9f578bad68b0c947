/**
 * Report changes, not state (issue #12): what the sniffer has already sent, and so what it sends
 * next. The collector dedupes one report interval; this ledger sits between it and the reporter:
 *
 * - a key (a DNS answer, a session) never sent, or forgotten, goes out in the next report;
 * - a key already sent and observed again goes out at most once per refresh interval, carrying the
 *   observations folded since its last send: `count` is their number, `firstSeen` the first of
 *   them, `lastSeen` the last. Counts add up to exactly what sending every interval would have
 *   sent; the mapper's lastSeen trails by at most one refresh interval (plus a report interval);
 * - after the mapper restarts (its instance id in the report ack changed), everything remembered
 *   is sent again in the next report: what was observed since the last send, and otherwise the
 *   last record sent restated with `count: 0` (its times again, no new observation);
 * - a sniffer restart starts with an empty ledger: everything current is new again.
 *
 * Bounded: at most `maxKeys` keys. Past it the least recently observed key is forgotten (its
 * folded observations, if any, are sent at once, so nothing is lost: it is only sent again as new
 * when next observed), and `onForget` counts it. A key not observed for two refresh intervals is
 * let go without counting: a closed session, a name nobody looked up again.
 */
import type { DnsRecord, SocketRecord } from '../src/contract/report.js'
import { sessionKey, type Batch } from './collector.js'

export interface SentLedgerOptions {
  refreshMs: number
  maxKeys: number
  /** Keys forgotten because the ledger was full. */
  onForget: (n: number) => void
  /** Records of keys already sent, folded to go out with a later refresh. */
  onDefer?: (n: number) => void
}

type Rec = DnsRecord | SocketRecord

interface Entry {
  dns: boolean
  /** When its records were last handed out; -Infinity: due at the next take. */
  sentAt: number
  /** Last observation (for letting go, and the order of forgetting). */
  lastSeen: number
  /** The last record handed out (restated after a mapper restart). */
  sent: Rec
  /** Observations since `sentAt`, folded into one record. */
  folded?: Rec
}

/** DNS answers by client, name and answer set; sessions are keyed as the collector keys them (sessionKey: an address first, never `d|`). */
function dnsKey (r: DnsRecord): string {
  return `d|${r.client}|${r.name}|${r.answers.length === 1 ? r.answers[0] : [...r.answers].sort().join(',')}`
}


function fold (into: Rec, r: Rec): void {
  into.count += r.count
  if (r.firstSeen < into.firstSeen) into.firstSeen = r.firstSeen
  if (r.lastSeen > into.lastSeen) into.lastSeen = r.lastSeen
  if ('ttl' in into && 'ttl' in r && r.ttl < into.ttl) into.ttl = r.ttl
}

function push (out: Batch, dns: boolean, r: Rec): void {
  if (dns) out.dns.push(r as DnsRecord)
  else out.sockets.push(r as SocketRecord)
}

export class SentLedger {
  /** In order of last observation, oldest first (an entry is re-inserted when observed). */
  private readonly entries = new Map<string, Entry>()

  constructor (private readonly opts: SentLedgerOptions) {}

  get size (): number { return this.entries.size }

  /**
   * One interval's records in (a drained collector batch); the records to send now out. With
   * `all` (at shutdown) every folded observation goes out, due or not.
   */
  take (batch: Batch, now: number, all = false): Batch {
    const out: Batch = { dns: [], sockets: [] }
    let folded = 0
    for (const r of batch.dns) if (this.observe(dnsKey(r), true, r, now, out)) folded++
    for (const r of batch.sockets) if (this.observe(sessionKey(r), false, r, now, out)) folded++
    if (folded > 0) this.opts.onDefer?.(folded)
    const letGo = now - 2 * this.opts.refreshMs
    let forgotten = 0
    let over = this.entries.size - this.opts.maxKeys
    for (const [k, e] of this.entries) {
      if (over > 0) {
        // The least recently observed first; what it had folded goes out now, nothing is lost.
        if (e.folded !== undefined) push(out, e.dns, e.folded)
        this.entries.delete(k)
        over--
        forgotten++
      } else if (e.folded !== undefined) {
        if (!all && now - e.sentAt < this.opts.refreshMs) continue
        push(out, e.dns, e.folded)
        e.sent = e.folded
        e.folded = undefined
        e.sentAt = now
      } else if (e.lastSeen < letGo && e.sentAt < letGo) {
        this.entries.delete(k)
      }
    }
    if (forgotten > 0) this.opts.onForget(forgotten)
    return out
  }

  /** Whether `r` was folded into its key's next send (false: sent now, as new). */
  private observe (k: string, dns: boolean, r: Rec, now: number, out: Batch): boolean {
    const e = this.entries.get(k)
    if (e === undefined) {
      this.entries.set(k, { dns, sentAt: now, lastSeen: r.lastSeen, sent: r })
      push(out, dns, r)
      return false
    }
    this.entries.delete(k)
    this.entries.set(k, e)
    if (r.lastSeen > e.lastSeen) e.lastSeen = r.lastSeen
    if (e.folded === undefined) e.folded = r
    else fold(e.folded, r)
    return true
  }

  /** The mapper restarted: everything remembered goes out at the next take; what has nothing folded is restated with count 0. */
  mapperRestarted (): void {
    for (const e of this.entries.values()) {
      e.sentAt = -Infinity
      e.folded ??= { ...e.sent, count: 0 }
    }
  }

  /**
   * Records that will never reach the mapper (dropped from the retry buffer): new again when next
   * observed, or due at the next take if observed since.
   */
  forget (batch: Batch): void {
    const drop = (k: string): void => {
      const e = this.entries.get(k)
      if (e?.folded !== undefined) e.sentAt = -Infinity
      else this.entries.delete(k)
    }
    for (const r of batch.dns) drop(dnsKey(r))
    for (const r of batch.sockets) drop(sessionKey(r))
  }
}
