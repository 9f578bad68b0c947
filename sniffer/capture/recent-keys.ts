/**
 * A small window of recently seen keys, to count once a packet that the `any` device shows twice
 * (once on each veth it crosses). Bounded in time (`windowMs`) and in size (`maxKeys`, oldest
 * evicted first). Time is passed in, so it is testable without clocks.
 */
export interface RecentKeysOptions {
  windowMs?: number
  maxKeys?: number
}

export class RecentKeys {
  readonly windowMs: number
  readonly maxKeys: number
  /** key -> when first seen; a Map iterates in insertion order, so the oldest entry comes first. */
  private readonly seenAt = new Map<string, number>()

  constructor (options: RecentKeysOptions = {}) {
    this.windowMs = options.windowMs ?? 1000
    this.maxKeys = options.maxKeys ?? 8192
  }

  /**
   * True if `key` was already seen within the window before `now` (a repeat); otherwise records it
   * and returns false. A repeat does not extend the window: a response resent a second later by
   * the server (same id) is counted again.
   */
  check (key: string, now: number): boolean {
    this.expire(now)
    const first = this.seenAt.get(key)
    if (first !== undefined) return true
    if (this.seenAt.size >= this.maxKeys) {
      const oldest = this.seenAt.keys().next()
      if (oldest.done !== true) this.seenAt.delete(oldest.value)
    }
    this.seenAt.set(key, now)
    return false
  }

  get size (): number {
    return this.seenAt.size
  }

  private expire (now: number): void {
    for (const [key, at] of this.seenAt) {
      // A clock that stepped backwards also ends the entry rather than pinning it forever.
      if (now - at < this.windowMs && now >= at) break
      this.seenAt.delete(key)
    }
  }
}
