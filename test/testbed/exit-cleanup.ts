/**
 * Synchronous last-chance cleanup: live testbeds are torn down on process exit, and on SIGINT /
 * SIGTERM (then the signal is re-raised so the process still dies of it). Handlers are installed
 * on the first registration, not at import.
 */
import type { TestbedState } from './state-registry.js'
import { teardownSync } from './state-registry.js'

const live = new Set<TestbedState>()
let installed = false

function cleanupAll (): void {
  for (const state of live) {
    try { teardownSync(state) } catch { /* best effort while exiting */ }
  }
  live.clear()
}

function onSignal (signal: NodeJS.Signals): void {
  cleanupAll()
  process.removeListener('SIGINT', onSignal)
  process.removeListener('SIGTERM', onSignal)
  // Only re-raise when nobody else handles it; otherwise the other handler decides.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

export function registerForExitCleanup (state: TestbedState): void {
  live.add(state)
  if (installed) return
  installed = true
  process.on('exit', cleanupAll)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

export function unregisterFromExitCleanup (state: TestbedState): void {
  live.delete(state)
}
