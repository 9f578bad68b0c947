/**
 * A pooled connection for the length of `fn`. While it is checked out the pool no longer listens for
 * its errors, and node-postgres emits one (which would end the process) when the server cuts the
 * connection between two queries, e.g. when it restarts: it is listened for here, and a connection
 * that failed is destroyed on release rather than handed out again.
 */
import type { Pool, PoolClient } from 'pg'
import { isUnavailable } from './pg-errors.js'

export async function withClient<T> (pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect()
  let broken: Error | undefined
  const onError = (err: Error): void => { broken = err }
  c.on('error', onError)
  try {
    return await fn(c)
  } catch (err) {
    if (isUnavailable(err)) broken ??= err as Error
    throw err
  } finally {
    c.removeListener('error', onError)
    c.release(broken)
  }
}
