/**
 * Applies the schema migrations (migrations.ts) that a database lacks, in order, each in its own
 * transaction and recorded in podmap_schema_migrations. Every replica calls it at start; a session
 * advisory lock makes them take turns, so exactly one applies each migration. A database newer than
 * this mapper (a version it does not know) is refused rather than written with an old schema.
 */
import type { Pool } from 'pg'
import { MIGRATIONS, type Migration } from './migrations.js'
import { LOCK_CLASS, LOCK_MIGRATIONS } from './advisory-locks.js'
import { withClient } from './pg-client.js'

export interface MigrateResult { applied: number[], current: number }

export async function migrate (pool: Pool, migrations: Migration[] = MIGRATIONS): Promise<MigrateResult> {
  return await withClient(pool, async (client) => {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS])
    try {
      await client.query('CREATE TABLE IF NOT EXISTS podmap_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM podmap_schema_migrations')).rows.map((r) => r.version))
      const known = new Set(migrations.map((m) => m.version))
      const unknown = [...done].filter((v) => !known.has(v))
      if (unknown.length > 0) {
        throw new Error(`the database has schema migrations ${unknown.join(', ')} that this mapper does not know (it knows up to ${Math.max(...known)}): run a newer mapper`)
      }
      const applied: number[] = []
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue
        await client.query('BEGIN')
        try {
          await client.query(m.sql)
          await client.query('INSERT INTO podmap_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {})
          throw err
        }
        applied.push(m.version)
      }
      return { applied, current: Math.max(0, ...done, ...applied) }
    } finally {
      // A failed unlock means a failed connection: withClient destroys it, and the lock goes with it.
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]).catch(() => {})
    }
  })
}
