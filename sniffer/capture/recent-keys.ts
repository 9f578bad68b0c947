/**
 * A small window of recently seen keys, to count once a packet that the `any` device shows twice
 * (once on each veth it crosses). Bounded in time (`windowMs`) and in size (`maxKeys`, oldest
 * evicted first). Time is passed in, so it is testable without clocks.
 *
 * A key is three 32-bit integers read straight off the packet (an address, ports and ids, a
 * length), kept in typed arrays: a ring in arrival order plus an open-addressing index into it.
 * Nothing is allocated per packet. (String keys in a Set cost ~250 bytes a packet that all lived
 * a full window, so at 20,000 responses/s V8 promoted ~5 MB/s into the old generation and the heap
 * grew by tens of MB between full collections.)
 */
/** How long a key counts as recent: a response's second copy on `any` comes microseconds after the first. */
export const DUPLICATE_WINDOW_MS = 1000

export interface RecentKeysOptions {
  windowMs?: number
  maxKeys?: number
}

const EMPTY = -1

/** Three 32-bit words mixed into one (multiply-xorshift rounds): the index's hash, and how the decoder folds an IPv6 address. */
export function mixWords (a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f)
  return h ^ (h >>> 15)
}

export class RecentKeys {
  readonly windowMs: number
  readonly maxKeys: number
  private readonly k1: Int32Array
  private readonly k2: Int32Array
  private readonly k3: Int32Array
  private readonly times: Float64Array
  /** Ring slot of each key, or EMPTY; linear probing, at most half full. */
  private readonly index: Int32Array
  private readonly mask: number
  private head = 0
  private count = 0

  constructor (options: RecentKeysOptions = {}) {
    this.windowMs = options.windowMs ?? DUPLICATE_WINDOW_MS
    // 4096: at 150,000 packets/s that still spans ~27 ms, and a packet's second copy on `any`
    // arrives microseconds after the first.
    this.maxKeys = Math.max(1, options.maxKeys ?? 4096)
    this.k1 = new Int32Array(this.maxKeys)
    this.k2 = new Int32Array(this.maxKeys)
    this.k3 = new Int32Array(this.maxKeys)
    this.times = new Float64Array(this.maxKeys)
    let size = 2
    while (size < this.maxKeys * 2) size *= 2
    this.index = new Int32Array(size).fill(EMPTY)
    this.mask = size - 1
  }

  /**
   * True if the key (a, b, c) was already seen within the window before `now` (a repeat);
   * otherwise records it and returns false. A repeat does not extend the window: a response resent
   * a second later by the server (same id) is counted again.
   */
  check (a: number, b: number, c: number, now: number): boolean {
    a |= 0
    b |= 0
    c |= 0
    // Expire from the oldest; a clock that stepped backwards also ends entries rather than pinning them.
    while (this.count > 0) {
      const at = this.times[this.head]!
      if (now - at < this.windowMs && now >= at) break
      this.dropHead()
    }
    let pos = this.hash(a, b, c)
    for (;;) {
      const slot = this.index[pos]!
      if (slot === EMPTY) break
      if (this.k1[slot] === a && this.k2[slot] === b && this.k3[slot] === c) return true
      pos = (pos + 1) & this.mask
    }
    if (this.count === this.maxKeys) {
      this.dropHead()
      // The removal may have shifted entries into the probe path: find the free position again.
      pos = this.hash(a, b, c)
      while (this.index[pos] !== EMPTY) pos = (pos + 1) & this.mask
    }
    const slot = (this.head + this.count) % this.maxKeys
    this.k1[slot] = a
    this.k2[slot] = b
    this.k3[slot] = c
    this.times[slot] = now
    this.index[pos] = slot
    this.count++
    return false
  }

  get size (): number {
    return this.count
  }

  private hash (a: number, b: number, c: number): number {
    return mixWords(a, b, c) & this.mask
  }

  private dropHead (): void {
    const slot = this.head
    // Find the head's position in the index, then close the gap (backward-shift deletion), so
    // probes for the keys after it still find them without tombstones.
    let pos = this.hash(this.k1[slot]!, this.k2[slot]!, this.k3[slot]!)
    while (this.index[pos] !== slot) pos = (pos + 1) & this.mask
    let gap = pos
    for (let next = (gap + 1) & this.mask; ; next = (next + 1) & this.mask) {
      const s = this.index[next]!
      if (s === EMPTY) break
      const home = this.hash(this.k1[s]!, this.k2[s]!, this.k3[s]!)
      // Move s into the gap if its home is not cyclically within (gap, next].
      const between = gap <= next ? (home > gap && home <= next) : (home > gap || home <= next)
      if (!between) {
        this.index[gap] = s
        gap = next
      }
    }
    this.index[gap] = EMPTY
    this.head = (this.head + 1) % this.maxKeys
    this.count--
  }
}
