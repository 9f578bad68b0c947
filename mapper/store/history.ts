/**
 * One edge's call history in bounded memory: counts per facet (evidence kind x server port) in
 * buckets, hourly for recent time and daily after that (a roll-up merges an hour into its day once it
 * is older than the hourly horizon). Each level is one packed Uint32Array of buckets
 * `[period, firstOffset, lastOffset, count(facet 0) ... count(facet k-1)]`, ascending by period, where
 * period is the hour (or day) number since the epoch and the offsets are milliseconds into it.
 *
 * Why packed arrays: a Map per hour and a Map of facets per hour cost ~250 bytes a bucket; 30 days of
 * hourly Maps for 10,000 edges took 2.4 GB. Here a bucket is 4 x (3 + facets) bytes, and a month of
 * history is 48 hourly plus 30 daily buckets: about 1.9 KB an edge with three facets.
 *
 * Counts saturate at 2^32 - 1. Time windows answered from daily buckets are precise to the day.
 */
import { HOUR_MS } from './call.js'

export const DAY_MS = 24 * HOUR_MS
const HEAD = 3
const MAX_COUNT = 0xffff_ffff

export class BucketLevel {
  /** Packed buckets; `length` of them are in use. */
  data: Uint32Array = EMPTY
  length = 0

  constructor (readonly periodMs: number) {}

  /** Buckets are `HEAD + facets` words wide. */
  private stride (facets: number): number { return HEAD + facets }

  /** The index of the bucket for `period`, creating it (in order) if missing. */
  private bucket (period: number, facets: number): number {
    const w = this.stride(facets)
    // Calls arrive roughly in time order: the last bucket is the usual answer.
    let lo = 0
    let hi = this.length
    if (hi > 0 && this.data[(hi - 1) * w] === period) return hi - 1
    if (hi > 0 && (this.data[(hi - 1) * w] as number) < period) lo = hi
    else {
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        const p = this.data[mid * w] as number
        if (p === period) return mid
        if (p < period) lo = mid + 1
        else hi = mid
      }
    }
    if ((this.length + 1) * w > this.data.length) {
      // Small steps: an edge gains one bucket an hour, and slack in 50,000 arrays is memory.
      const grown = new Uint32Array((this.length + Math.max(4, this.length >> 3)) * w)
      grown.set(this.data.subarray(0, this.length * w))
      this.data = grown
    }
    this.data.copyWithin((lo + 1) * w, lo * w, this.length * w)
    this.data.fill(0, lo * w, (lo + 1) * w)
    this.data[lo * w] = period
    this.data[lo * w + 1] = this.periodMs - 1
    this.data[lo * w + 2] = 0
    this.length++
    return lo
  }

  add (first: number, last: number, facet: number, facets: number, count: number): void {
    const period = Math.floor(last / this.periodMs)
    const start = period * this.periodMs
    const w = this.stride(facets)
    const i = this.bucket(period, facets) * w
    const f = Math.max(0, first - start)
    const l = last - start
    if (f < (this.data[i + 1] as number)) this.data[i + 1] = f
    if (l > (this.data[i + 2] as number)) this.data[i + 2] = l
    const c = i + HEAD + facet
    this.data[c] = Math.min(MAX_COUNT, (this.data[c] as number) + count)
  }

  /** Widens every bucket from `from` to `to` facets (a new facet column at the end). */
  widen (from: number, to: number): void {
    if (this.length === 0) return
    const a = this.stride(from)
    const b = this.stride(to)
    const out = new Uint32Array(this.length * b)
    for (let i = 0; i < this.length; i++) out.set(this.data.subarray(i * a, i * a + a), i * b)
    this.data = out
  }

  /** Drops buckets whose period ended at or before `before`; returns how many are left. */
  pruneBefore (before: number, facets: number): number {
    const w = this.stride(facets)
    let keep = 0
    while (keep < this.length && ((this.data[keep * w] as number) + 1) * this.periodMs <= before) keep++
    if (keep > 0) {
      this.data.copyWithin(0, keep * w, this.length * w)
      this.length -= keep
      this.shrink(facets)
    }
    return this.length
  }

  /** Removes and returns the buckets whose period ended at or before `before` (for a roll-up). */
  takeBefore (before: number, facets: number): Array<{ start: number, first: number, last: number, counts: Uint32Array }> {
    const w = this.stride(facets)
    const out: Array<{ start: number, first: number, last: number, counts: Uint32Array }> = []
    let n = 0
    while (n < this.length && ((this.data[n * w] as number) + 1) * this.periodMs <= before) {
      const i = n * w
      const start = (this.data[i] as number) * this.periodMs
      out.push({ start, first: start + (this.data[i + 1] as number), last: start + (this.data[i + 2] as number), counts: this.data.slice(i + HEAD, i + w) })
      n++
    }
    if (n > 0) {
      this.data.copyWithin(0, n * w, this.length * w)
      this.length -= n
      this.shrink(facets)
    }
    return out
  }

  private shrink (facets: number): void {
    const w = this.stride(facets)
    if (this.length === 0) { this.data = EMPTY; return }
    if (this.data.length > (this.length + 8) * w) this.data = this.data.slice(0, (this.length + 2) * w)
  }

  /** Calls `fn` for every bucket that overlaps [since, until] (either bound open when undefined). */
  forEach (facets: number, since: number | undefined, until: number | undefined, fn: (first: number, last: number, counts: Uint32Array, offset: number) => void): void {
    const w = this.stride(facets)
    for (let n = 0; n < this.length; n++) {
      const i = n * w
      const start = (this.data[i] as number) * this.periodMs
      const first = start + (this.data[i + 1] as number)
      const last = start + (this.data[i + 2] as number)
      if (since !== undefined && last < since) continue
      if (until !== undefined && first > until) continue
      fn(first, last, this.data, i + HEAD)
    }
  }

  /** Packed words in use (for saving). */
  words (facets: number): Uint32Array { return this.data.subarray(0, this.length * this.stride(facets)) }

  load (words: Uint32Array, facets: number): void {
    this.data = words.length === 0 ? EMPTY : words
    this.length = words.length / this.stride(facets)
  }

  get bytes (): number { return this.data.byteLength }
}

const EMPTY = new Uint32Array(0)

/**
 * An edge's history: its facet columns, running totals per facet, and the hourly and daily levels.
 */
export class History {
  /** Facet keys (call.ts facetKey), one column each, in order of first appearance. */
  facets: number[] = []
  /** All-time count per facet column (within retention). */
  totals: number[] = []
  readonly hours = new BucketLevel(HOUR_MS)
  readonly days = new BucketLevel(DAY_MS)

  column (facet: number): number {
    let c = this.facets.indexOf(facet)
    if (c !== -1) return c
    c = this.facets.length
    this.hours.widen(c, c + 1)
    this.days.widen(c, c + 1)
    this.facets.push(facet)
    this.totals.push(0)
    return c
  }

  /** Observations of `facet` kept (within retention); 0 for a facet never seen. */
  total (facet: number): number {
    const c = this.facets.indexOf(facet)
    return c === -1 ? 0 : this.totals[c] as number
  }

  /** Records `count` observations of `facet` between `first` and `last`; hourly unless older than `hourlyFrom`. */
  add (facet: number, first: number, last: number, count: number, hourlyFrom: number): void {
    const c = this.column(facet)
    const k = this.facets.length
    if (last >= hourlyFrom) this.hours.add(first, last, c, k, count)
    else this.days.add(first, last, c, k, count)
    this.totals[c] = Math.min(MAX_COUNT * 1024, (this.totals[c] as number) + count)
  }

  /** Merges hourly buckets that ended at or before `hourlyFrom` into their days. */
  rollUp (hourlyFrom: number): number {
    const k = this.facets.length
    const moved = this.hours.takeBefore(hourlyFrom, k)
    for (const b of moved) {
      for (let c = 0; c < k; c++) {
        const n = b.counts[c] as number
        if (n > 0) this.days.add(b.first, b.last, c, k, n)
      }
    }
    return moved.length
  }

  /** Forgets what ended before `before`; false when nothing is left. */
  prune (before: number): boolean {
    const k = this.facets.length
    const left = this.hours.pruneBefore(before, k) + this.days.pruneBefore(before, k)
    if (left === 0) return false
    // Totals follow what is kept.
    const totals = new Array<number>(k).fill(0)
    this.forEach(undefined, undefined, (_f, _l, data, off) => { for (let c = 0; c < k; c++) totals[c] = (totals[c] as number) + (data[off + c] as number) })
    this.totals = totals
    return true
  }

  /** Every bucket overlapping [since, until], daily then hourly (ascending in time). */
  forEach (since: number | undefined, until: number | undefined, fn: (first: number, last: number, counts: Uint32Array, offset: number) => void): void {
    const k = this.facets.length
    this.days.forEach(k, since, until, fn)
    this.hours.forEach(k, since, until, fn)
  }

  /** The earliest first-seen still kept. */
  earliest (): number | undefined {
    let first: number | undefined
    this.forEach(undefined, undefined, (f) => { if (first === undefined || f < first) first = f })
    return first
  }

  /** Merges another edge's history into this one (a rename that merges two identities). */
  mergeFrom (other: History, hourlyFrom: number): void {
    const k = other.facets.length
    other.forEach(undefined, undefined, (first, last, data, off) => {
      for (let c = 0; c < k; c++) {
        const n = data[off + c] as number
        if (n > 0) this.add(other.facets[c] as number, first, last, n, hourlyFrom)
      }
    })
  }

  get bytes (): number { return this.hours.bytes + this.days.bytes + 16 * this.facets.length }
}
