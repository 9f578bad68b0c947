/**
 * Per-sniffer rate limit for POST /api/v1/reports: one token bucket per key (the node a sniffer's token
 * proved, else the client address; see report-rate-limit.ts), `ratePerSecond` refill up to `burst`. The table is bounded: past
 * `maxKeys` the longest-idle buckets are forgotten (a forgotten bucket starts full again, which is
 * the lenient side). Time is passed in, so it is testable without clocks.
 */

export interface RateLimitOptions {
  ratePerSecond: number
  burst: number
  maxKeys?: number
}

export interface RateDecision {
  allowed: boolean
  /** Seconds until one token is back (for Retry-After), when not allowed. */
  retryAfterSeconds: number
}

export function createRateLimiter (opts: RateLimitOptions): (key: string, now: number) => RateDecision {
  const maxKeys = opts.maxKeys ?? 10_000
  const buckets = new Map<string, { tokens: number, at: number }>()
  return (key, now) => {
    let b = buckets.get(key)
    if (b === undefined) {
      if (buckets.size >= maxKeys) {
        // Map iteration is insertion order and every use re-inserts: the first key is the longest idle.
        const oldest = buckets.keys().next().value
        if (oldest !== undefined) buckets.delete(oldest)
      }
      b = { tokens: opts.burst, at: now }
    } else {
      buckets.delete(key)
      b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.ratePerSecond)
      b.at = now
    }
    buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return { allowed: true, retryAfterSeconds: 0 }
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / opts.ratePerSecond)) }
  }
}
