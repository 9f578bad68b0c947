/**
 * One shared instance per distinct value: the pods of a workload carry the same labels, owner
 * references and named ports, and 100,000 pods keeping their own copies cost tens of megabytes
 * (bench:cluster's heap profile). Values handed out are shared: never change them (objects are
 * frozen). Bounded: past `max` distinct values the table starts over (values already handed out
 * stay valid).
 */
export class Interned<T> {
  private readonly table = new Map<string, T>()
  constructor (private readonly max = 20_000) {}

  get (key: string, make: () => T): T {
    const hit = this.table.get(key)
    if (hit !== undefined) return hit
    if (this.table.size >= this.max) this.table.clear()
    const value = make()
    this.table.set(key, value)
    return value
  }
}
