/**
 * PostgreSQL advisory lock keys (the two-integer form): one class for podmap, then what is locked.
 * Migrations take one lock for the whole database. Per cluster, the replica that runs the periodic
 * jobs (retention, roll-ups) holds the jobs lock for as long as it lives, and each run of a job takes
 * the run lock for its transaction (two runs never interleave, whoever starts them).
 */
import { createHash } from 'node:crypto'

/** "pm" */
export const LOCK_CLASS = 0x706d
export const LOCK_MIGRATIONS = 0

/** A 31-bit hash, never 0 (the migrations lock). */
function key (text: string): number {
  const n = createHash('sha256').update(text).digest().readUInt32BE(0) & 0x7fff_ffff
  return n === 0 ? 1 : n
}

export const jobsLock = (cluster: string): number => key(`jobs:${cluster}`)
export const jobRunLock = (cluster: string): number => key(`run:${cluster}`)
