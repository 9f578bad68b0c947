/**
 * Rendered pictures kept by their content: the key is the format and a hash of the DOT text, so the
 * same map (the same version of it, under the same filter) is rendered once, and any change to it
 * is a new key. Bounded by count and bytes; least recently used first out.
 */
import { createHash } from 'node:crypto'

export class PictureCache {
  private readonly entries = new Map<string, string | Buffer>()
  private bytes = 0

  constructor (private readonly maxEntries = 16, private readonly maxBytes = 64 << 20) {}

  static key (format: string, dot: string): string {
    return `${format}:${createHash('sha256').update(dot).digest('base64url')}`
  }

  get (key: string): string | Buffer | undefined {
    const v = this.entries.get(key)
    if (v !== undefined) { this.entries.delete(key); this.entries.set(key, v) }
    return v
  }

  set (key: string, value: string | Buffer): void {
    const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length
    if (size > this.maxBytes / 4 || this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += size
    for (const [k, v] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break
      this.entries.delete(k)
      this.bytes -= typeof v === 'string' ? Buffer.byteLength(v) : v.length
    }
  }
}
