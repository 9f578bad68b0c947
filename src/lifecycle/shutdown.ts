import type { Log } from '../log/log.js'

export type ShutdownStep = { name: string, run: () => Promise<void> | void }

/**
 * Runs the steps in order on SIGTERM/SIGINT (stop accepting, flush, close), each bounded by
 * `timeoutMs`, then exits. A second signal exits at once.
 */
export function installShutdown (log: Log, steps: ShutdownStep[], timeoutMs = 10_000): () => Promise<void> {
  let running: Promise<void> | undefined
  const shutdown = async (): Promise<void> => {
    if (running) return running
    running = (async () => {
      for (const step of steps) {
        try {
          await withTimeout(Promise.resolve(step.run()), timeoutMs)
          log.info({ step: step.name }, 'shutdown step done')
        } catch (err) {
          log.error({ err, step: step.name }, 'shutdown step failed')
        }
      }
    })()
    return running
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) process.exit(1)
    log.info({ signal }, 'shutting down')
    shutdown().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  return shutdown
}

async function withTimeout (p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    timer.unref()
  })
  try { await Promise.race([p, t]) } finally { clearTimeout(timer) }
}
