/**
 * The map's storage, as the rest of the mapper sees it: an interface two backends implement — the
 * embedded store (embedded-store.ts: memory, write-ahead log and checkpoint under --state-dir) and
 * PostgreSQL (postgres/: several replicas and clusters sharing one database). Writes resolve once
 * durable; every read is async so a backend may ask a database.
 */
import type { Edge, Identity } from '../../src/contract/map.js'
import type { ExplainResponse } from '../../src/contract/explain.js'
import type { Call } from './call.js'
import type { EdgeFilter, PortCount } from './edge-store.js'
import type { HeldReport, Pin } from './state-codec.js'

export type { EdgeFilter, PortCount } from './edge-store.js'
export type { HeldReport, Pin } from './state-codec.js'

export interface MapStore {
  readonly kind: 'embedded' | 'postgres'
  /** The cluster this mapper writes for (--cluster-name). */
  readonly cluster: string
  /** Whether what is recorded survives a restart. */
  readonly durable: boolean
  open: () => Promise<void>
  /** Flushes and closes (the embedded store writes a checkpoint). */
  close: () => Promise<void>

  /** Adds resolved calls; resolves once they are durable. */
  record: (calls: Call[]) => Promise<void>
  /** Keeps a report to be resolved later; resolves once durable, with its id. */
  hold: (report: Omit<HeldReport, 'id'>) => Promise<number>
  /** Held reports, oldest first, at most `limit`. */
  heldReports: (limit: number) => Promise<HeldReport[]>
  /** Records the calls a held report resolved to and forgets the report, in one durable step. */
  release: (id: number, calls: Call[]) => Promise<void>
  /** Records in held reports. */
  heldRecords: () => Promise<number>

  /** Clears the map (snapshots are kept); returns how many edges went. */
  reset: () => Promise<number>
  pin: (pin: Pin) => Promise<void>
  unpin: (name: string) => Promise<boolean>
  pins: () => Promise<Pin[]>
  getPin: (name: string) => Promise<Pin | undefined>
  /** Renames an identity everywhere (a late owner revealed the real workload). */
  rekey: (from: Identity, to: Identity) => Promise<void>
  /** Forgets history that ended before `before`; returns edges removed. */
  prune: (before: number) => Promise<number>
  /** Merges hourly history older than the hourly horizon into days; returns buckets moved. */
  rollUp: () => Promise<number>
  /**
   * Whether this process runs the periodic jobs (retention, roll-ups): always for the embedded store;
   * for PostgreSQL, the one replica of the cluster that holds its jobs advisory lock.
   */
  leadsJobs: () => Promise<boolean>

  list: (filter?: EdgeFilter) => Promise<Edge[]>
  /** `{"edges":[...]}` as GET /api/v1/map sends it. */
  listJson: (filter?: EdgeFilter) => Promise<string>
  /** Why an edge is there; keys are `kind/namespace/name`. */
  explain: (clientKey: string, serverKey: string, since?: number, until?: number) => Promise<ExplainResponse | undefined>
  /** Observation counts per edge and server port (the Prometheus edge series). */
  portCounts: () => Promise<PortCount[]>
  /** Edges in the map (for the gauge). */
  edgeCount: () => Promise<number>
  /** Estimated bytes the map holds in this process's memory, where it holds it there. */
  memoryBytes?: () => number
  /** Every cluster in the store with its edge count, by name (this mapper's own always among them). */
  clusters: () => Promise<Array<{ name: string, edges: number }>>
}
