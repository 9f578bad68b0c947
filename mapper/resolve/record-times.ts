/**
 * The times a report claims are untrusted: a record is kept only when its times are ordered and
 * within a bounded window around the mapper's clock. A call stamped in the future would stay in every
 * recent window and outlive retention; a time past what a Date can hold made every map read fail.
 */

/** The largest time a JavaScript Date can represent (±8.64e15 ms, about the year 275760). */
export const MAX_DATE_MS = 8.64e15

export type TimeRefusal = 'time-invalid' | 'time-order' | 'time-future' | 'time-past'

export interface TimeBounds {
  /** How far ahead of the mapper's clock a time may be (clock skew between nodes). */
  maxFutureMs: number
  /** How far back a time may be (older calls would be pruned by retention at once). */
  maxPastMs: number
}

/** Why `first`..`last` is refused at `now`, or undefined when it is kept. */
export function refuseTimes (first: number, last: number, now: number, bounds: TimeBounds): TimeRefusal | undefined {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last > MAX_DATE_MS) return 'time-invalid'
  if (first > last) return 'time-order'
  if (last > now + bounds.maxFutureMs) return 'time-future'
  if (last < now - bounds.maxPastMs) return 'time-past'
  return undefined
}

/** A time any Date can format (for data read back from disk, which was written by older versions). */
export function isDateTime (t: number): boolean {
  return Number.isFinite(t) && t >= 0 && t <= MAX_DATE_MS
}
