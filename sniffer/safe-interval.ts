/**
 * setInterval for the sniffer's timers: unref'd, and nothing the callback throws (or rejects with)
 * leaves the timer. A throw in a timer ends a Node process; at fd exhaustion even
 * process.memoryUsage() throws (EMFILE, issue #17), and capture must go on through that.
 */
export function safeInterval (name: string, ms: number, fn: () => unknown, onError: (name: string, err: unknown) => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    try {
      const result = fn()
      if (result instanceof Promise) result.catch((err: unknown) => { onError(name, err) })
    } catch (err) {
      onError(name, err)
    }
  }, ms)
  timer.unref()
  return timer
}
