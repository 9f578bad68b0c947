/**
 * Which holder (a pod, a node) had an IP at a given moment.
 *
 * Pod IPs are reused: an observation must resolve to the pod that held the address when the call was
 * made, not when the report arrived. Each IP keeps a short list of tenancies [from, to); a lookup picks
 * the tenancy that contains the time (the latest-starting one if two overlap, as when a delete event is
 * late), else the nearest one within `slackMs` (clocks of nodes and API server differ a little).
 */
export interface Tenancy<T> { holder: T, from: number, to: number }

export class IpHistory<T> {
  private readonly byIp = new Map<string, Array<Tenancy<T>>>()

  constructor (private readonly slackMs = 30_000) {}

  /** `holder` holds `ip` from `from` on (idempotent: an open tenancy of the same holder is kept). */
  assign (ip: string, holder: T, from: number, same: (a: T, b: T) => boolean): void {
    let list = this.byIp.get(ip)
    if (!list) { list = []; this.byIp.set(ip, list) }
    for (const t of list) {
      if (same(t.holder, holder) && t.to === Infinity) { t.holder = holder; return }
    }
    list.push({ holder, from, to: Infinity })
    list.sort((a, b) => a.from - b.from)
  }

  /** Ends `holder`'s open tenancy of `ip` at `at`. */
  release (ip: string, at: number, match: (h: T) => boolean): void {
    const list = this.byIp.get(ip)
    if (!list) return
    for (const t of list) {
      if (t.to === Infinity && match(t.holder)) t.to = Math.max(at, t.from)
    }
  }

  at (ip: string, time: number): T | undefined {
    const list = this.byIp.get(ip)
    if (!list || list.length === 0) return undefined
    if (list.length === 1) {
      // The common case: one tenancy. Inside it, or near enough.
      const t = list[0] as Tenancy<T>
      if (t.from <= time && time < t.to) return t.holder
      const d = time < t.from ? t.from - time : time - t.to
      return d <= this.slackMs ? t.holder : undefined
    }
    let best: Tenancy<T> | undefined
    for (const t of list) {
      if (t.from <= time && time < t.to && (!best || t.from >= best.from)) best = t
    }
    if (best) return best.holder
    let nearest: Tenancy<T> | undefined
    let distance = Infinity
    for (const t of list) {
      const d = time < t.from ? t.from - time : time - t.to
      if (d <= this.slackMs && d < distance) { nearest = t; distance = d }
    }
    return nearest?.holder
  }

  /** The current (open) holder, whatever the time. */
  current (ip: string): T | undefined {
    const list = this.byIp.get(ip)
    if (!list) return undefined
    for (let i = list.length - 1; i >= 0; i--) {
      const t = list[i] as Tenancy<T>
      if (t.to === Infinity) return t.holder
    }
    return undefined
  }

  /** Forgets tenancies that ended before `before`; returns how many were dropped. */
  prune (before: number): number {
    let dropped = 0
    for (const [ip, list] of this.byIp) {
      const kept = list.filter((t) => t.to >= before)
      dropped += list.length - kept.length
      if (kept.length === 0) this.byIp.delete(ip)
      else if (kept.length !== list.length) this.byIp.set(ip, kept)
    }
    return dropped
  }

  get size (): number { return this.byIp.size }

  clear (): void { this.byIp.clear() }
}
