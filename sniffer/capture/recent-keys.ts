/**
 * A small window of recently seen keys, to count once a packet that the `any` device shows twice
 * (once on each veth it crosses). Bounded in time (`windowMs`) and in size (`maxKeys`, oldest
 * evicted first). Time is passed in, so it is testable without clocks.
 *
 * Keys sit in a ring in arrival order next to a Set for lookup: expiry pops the ring's head and
 * never iterates the Set (iterating a Map/Set whose front is constantly deleted walks V8's deleted
 * slots and cost ~5 us per packet).
 */
export interface RecentKeysOptions {
  windowMs?: number
  maxKeys?: number
}

export class RecentKeys {
  readonly windowMs: number
  readonly maxKeys: number
  private readonly present = new Set<string>()
  private readonly keys: Array<string | undefined>
  private readonly times: Float64Array
  private head = 0
  private count = 0

  constructor (options: RecentKeysOptions = {}) {
    this.windowMs = options.windowMs ?? 1000
    this.maxKeys = Math.max(1, options.maxKeys ?? 8192)
    this.keys = new Array<string | undefined>(this.maxKeys).fill(undefined)
    this.times = new Float64Array(this.maxKeys)
  }

  /**
   * True if `key` was already seen within the window before `now` (a repeat); otherwise records it
   * and returns false. A repeat does not extend the window: a response resent a second later by
   * the server (same id) is counted again.
   */
  check (key: string, now: number): boolean {
    // Expire from the oldest; a clock that stepped backwards also ends entries rather than pinning them.
    while (this.count > 0) {
      const at = this.times[this.head]!
      if (now - at < this.windowMs && now >= at) break
      this.dropHead()
    }
    if (this.present.has(key)) return true
    if (this.count === this.maxKeys) this.dropHead()
    const slot = (this.head + this.count) % this.maxKeys
    this.keys[slot] = key
    this.times[slot] = now
    this.count++
    this.present.add(key)
    return false
  }

  get size (): number {
    return this.count
  }

  private dropHead (): void {
    const key = this.keys[this.head]
    if (key !== undefined) this.present.delete(key)
    this.keys[this.head] = undefined
    this.head = (this.head + 1) % this.maxKeys
    this.count--
  }
}
