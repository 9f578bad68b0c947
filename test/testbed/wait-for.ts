/** Polls `probe` until it returns a value (bounded in time); the last error, if any, is in the failure. */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (err) { lastErr = err }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr !== undefined ? `: ${(lastErr as Error).message}` : ''}`)
}
