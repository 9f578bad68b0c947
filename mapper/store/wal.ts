/**
 * An append-only log with group commit: `append` resolves once its line is on disk (written and
 * fdatasync'd). Lines appended while a flush is under way share the next flush, so many concurrent
 * reports cost one fsync.
 */
import { open, type FileHandle } from 'node:fs/promises'

export class WriteAheadLog {
  private fh?: FileHandle
  private opening?: Promise<void>
  private pending: string[] = []
  private waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  private flushing?: Promise<void>
  bytes = 0

  /** `beforeOpen` is awaited before the file is opened (tests hold it to widen the switch-over). */
  constructor (readonly path: string, private readonly beforeOpen?: (path: string) => Promise<void>) {}

  /**
   * Opens the file. Lines may be appended before this resolves: they wait for it, so a new log can
   * take over synchronously and every append made after the switch lands in it.
   */
  open (): Promise<void> {
    this.opening ??= (async () => {
      await this.beforeOpen?.(this.path)
      this.fh = await open(this.path, 'a')
      this.bytes = (await this.fh.stat()).size
    })()
    return this.opening
  }

  append (line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push(line.endsWith('\n') ? line : line + '\n')
      this.waiters.push({ resolve, reject })
      if (!this.flushing) this.flushing = this.flushLoop().finally(() => { this.flushing = undefined })
    })
  }

  /** Waits until everything appended so far is on disk. */
  async drain (): Promise<void> {
    while (this.flushing) await this.flushing
  }

  async close (): Promise<void> {
    await this.drain()
    await this.fh?.close()
    this.fh = undefined
  }

  private async flushLoop (): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending
      const waiters = this.waiters
      this.pending = []
      this.waiters = []
      try {
        await this.opening
        if (!this.fh) throw new Error(`write-ahead log ${this.path} is not open`)
        const data = lines.join('')
        await this.fh.write(data)
        await this.fh.datasync()
        this.bytes += Buffer.byteLength(data)
        for (const w of waiters) w.resolve()
      } catch (err) {
        for (const w of waiters) w.reject(err as Error)
      }
    }
  }
}
