/**
 * Keeps the V8 heap near its live size. Between full collections V8 lets the old generation grow
 * by several MB (after the first minute at 20,000 responses/s: ~27 KB/s of short-lived objects
 * from scans and reports, live size flat at ~6 MB); on a process with a 60 MB budget that headroom
 * is most of the margin. When the heap has grown by `headroomBytes` since the last full
 * collection, this runs one (~5 ms on this heap; the 2 MiB ring holds ~70 ms at 150,000 packets/s).
 *
 * Needs node's --expose-gc (the sniffer image's entrypoint sets it); without it this does nothing.
 */
/** V8's gc(): a full, synchronous collection. (Node 20's V8 took {type: 'major'} as a young one.) */
type Gc = () => unknown

export interface HeapKeeper {
  /** False when node runs without --expose-gc. */
  readonly enabled: boolean
  /**
   * Collects if the heap grew past the headroom; returns whether it did. Never throws: it runs in a
   * timer, where a throw would end the sniffer (process.memoryUsage() reads /proc/self and failed
   * with EMFILE at fd exhaustion, issue #17); a failed reading skips this check.
   */
  check: () => boolean
}

export function createHeapKeeper (headroomBytes: number, gc: Gc | undefined = (globalThis as { gc?: Gc }).gc, used: () => number = () => process.memoryUsage().heapUsed): HeapKeeper {
  const read = (): number | undefined => { try { return used() } catch { return undefined } }
  let afterLast = read() ?? 0
  return {
    enabled: gc !== undefined,
    check () {
      if (gc === undefined) return false
      const now = read()
      if (now === undefined || now - afterLast < headroomBytes) return false
      try { gc() } catch { return false }
      afterLast = read() ?? 0
      return true
    }
  }
}
