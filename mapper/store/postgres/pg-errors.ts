/**
 * Which PostgreSQL failures mean "the database cannot be reached now" (the mapper answers 503 with
 * Retry-After and the sniffer keeps its batch), and which are a conflict worth retrying at once.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

export function isUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code)) return true
    // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, restart,
    // cannot connect now); 53300 too many connections.
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code) || code === '53300') return true
  }
  // node-postgres's own: a connection that ended, or a pool that timed out waiting for one.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused/i.test(err.message)
}

/** Deadlock detected, serialization failure, unique violation from a concurrent insert: try again. */
export function isRetryable (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '40P01' || code === '40001' || code === '23505'
}
