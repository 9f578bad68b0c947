/** Waits, bounded in time, until a child prints a line matching a pattern on stdout or stderr. */
import type { ChildProcess } from 'node:child_process'

export function waitForOutput (child: ChildProcess, pattern: RegExp, timeoutMs: number, what = 'process'): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8')
      const line = seen.split('\n').find((l) => pattern.test(l))
      if (line !== undefined) finish(undefined, line)
    }
    const onExit = (code: number | null, signal: string | null): void => {
      finish(new Error(`${what} exited (code ${code}, signal ${signal}) before printing ${pattern}; output:\n${seen.slice(-2000)}`))
    }
    const timer = setTimeout(() => finish(new Error(`${what} did not print ${pattern} within ${timeoutMs} ms; output:\n${seen.slice(-2000)}`)), timeoutMs)
    timer.unref()
    function finish (err: Error | undefined, line?: string): void {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      if (err !== undefined) reject(err)
      else resolve(line ?? '')
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}
