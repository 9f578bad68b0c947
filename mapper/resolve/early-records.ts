/**
 * Socket records that arrived before what settles them:
 * - an address of the pod or Service network (a node's podCIDR, `--pod-cidrs`, a ClusterIP range)
 *   that no pod or Service held at the time. A pod calls as soon as it starts, but the kubelet posts
 *   its IP to the API server (and the watch brings it here) up to seconds later; resolved at once,
 *   the call would become `External <pod IP>`, an edge to nowhere and an ipBlock in a policy;
 * - the server's end of a call from another node's own address, when that node's sniffer has not
 *   been heard from yet (both sniffers starting, or the client's report still on its way): that
 *   sniffer saw the client's end and names the hostNetwork pod that made the call (issue #11).
 * The sniffer does not send an acknowledged record again (delta reporting), so such records wait
 * here and are resolved again after RETRY_DELAYS_MS (1, 2, 4, 8, 15, 30 s: one minute in all). On
 * the last try an address still unknown is counted unresolved (`unknown-cluster-address`), never
 * External; a node still not heard from has its call recorded as the node's.
 *
 * Bounded: at most `max` records wait (default 50,000, about 15 MB); past that, new ones are
 * counted (`early-records-full`) and dropped. In memory only: a mapper restart loses them, and the
 * sniffers restate what is current to a restarted mapper.
 */
import type { SocketRecord } from '../../src/contract/report.js'

export const RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000, 15_000, 30_000]
export const DEFAULT_MAX_EARLY_RECORDS = 50_000

interface Waiting { node: string, records: SocketRecord[], due: number, tries: number }

/** Records due again: their try (1 for the first retry) and whether it is their last. */
export interface DueRecords { node: string, records: SocketRecord[], tries: number, last: boolean }

export class EarlyRecords {
  /** In arrival order; `due` grows with arrival within one try, so the due ones are at the front of each try's list. */
  private readonly byTry: Waiting[][] = RETRY_DELAYS_MS.map(() => [])
  private count = 0

  constructor (private readonly max = DEFAULT_MAX_EARLY_RECORDS) {}

  get size (): number { return this.count }

  /** Queues `records` from `node` for their try `tries` (0 when first seen); returns how many did not fit. */
  add (node: string, records: SocketRecord[], now: number, tries = 0): number {
    if (records.length === 0 || tries >= RETRY_DELAYS_MS.length) return 0
    const room = Math.max(0, this.max - this.count)
    const kept = records.length <= room ? records : records.slice(0, room)
    if (kept.length > 0) {
      this.byTry[tries]!.push({ node, records: kept, due: now + RETRY_DELAYS_MS[tries]!, tries })
      this.count += kept.length
    }
    return records.length - kept.length
  }

  /** Takes the records due at `now`; `last` when this is their final try. */
  takeDue (now: number): DueRecords[] {
    const out: DueRecords[] = []
    for (const list of this.byTry) {
      let n = 0
      while (n < list.length && list[n]!.due <= now) n++
      if (n === 0) continue
      for (const w of list.splice(0, n)) {
        this.count -= w.records.length
        out.push({ node: w.node, records: w.records, tries: w.tries + 1, last: w.tries + 1 >= RETRY_DELAYS_MS.length })
      }
    }
    return out
  }
}
