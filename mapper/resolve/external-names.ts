/**
 * Which external DNS name an IP was last given as an answer for, so that a later TCP session to that
 * IP is attributed to the name. Bounded: oldest entries go first past `maxEntries`.
 */
export class ExternalNames {
  private readonly byIp = new Map<string, { name: string, at: number }>()

  constructor (private readonly maxEntries = 200_000) {}

  remember (ip: string, name: string, at: number): void {
    const prev = this.byIp.get(ip)
    if (prev && prev.at > at) return
    this.byIp.delete(ip)
    this.byIp.set(ip, { name, at })
    if (this.byIp.size > this.maxEntries) {
      const oldest = this.byIp.keys().next().value
      if (oldest !== undefined) this.byIp.delete(oldest)
    }
  }

  nameOf (ip: string): string | undefined { return this.byIp.get(ip)?.name }

  clear (): void { this.byIp.clear() }
}
