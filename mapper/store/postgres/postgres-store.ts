/**
 * The PostgreSQL store: the map in a database that several mapper replicas (and the mappers of several
 * clusters) share. Each write is one transaction, and a report is acknowledged only after it commits.
 * Rows are described in migrations.ts, and call-rows.ts shapes a batch into them. Reads load rows back
 * into the embedded store's edge records (edge-rows.ts), so both stores give the same answer to every
 * read.
 *
 * Concurrency: a batch locks its edges in key order (no deadlocks between reports); a deadlock with a
 * periodic job, or a unique violation from another replica's insert, retries the transaction. Retention and
 * roll-ups take a transaction advisory lock (one at a time per cluster), and `leadsJobs` tells the one
 * replica that holds the cluster's jobs lock to run them on its timer. When the database cannot be
 * reached, calls fail with StoreUnavailable (503 with Retry-After; sniffers keep their batches).
 */
import pg from 'pg'
import type { Pool, PoolClient } from 'pg'
import type { Edge, Identity } from '../../../src/contract/map.js'
import type { ExplainResponse } from '../../../src/contract/explain.js'
import type { Logger } from '../../../src/log/logger.js'
import { StoreUnavailable } from '../../../src/errors/catalogue.js'
import { HOUR_MS, identityKey, type Call } from '../call.js'
import { EdgeStore, type EdgeFilter, type PortCount } from '../edge-store.js'
import type { MapStore } from '../map-store.js'
import type { HeldReport, Pin } from '../state-codec.js'
import { callRows, LEVEL_DAY, LEVEL_HOUR, restatedCounts, restatingKeys } from './call-rows.js'
import { EDGE_COLUMNS, toRecords, type BucketRow, type EdgeRow, type FacetRow } from './edge-rows.js'
import { migrate } from './migrate.js'
import { isRetryable, isUnavailable } from './pg-errors.js'
import { jobRunLock, jobsLock, LOCK_CLASS } from './advisory-locks.js'
import { saveRecords } from './save-records.js'
import { withClient } from './pg-client.js'
import { readClusters } from '../cluster-reads.js'

export interface PostgresStoreOptions {
  /** The connection string (read from --store-dsn-file; never logged). */
  dsn: string
  /** The cluster this mapper writes for (--cluster-name). */
  cluster: string
  log: Logger
  /** History newer than this is kept hourly, older daily (default 48 h). */
  hourlyHistoryMs?: number
  /** Connections to the database (default 8). */
  poolSize?: number
  /** How long a request waits for a connection before it is answered 503 (default 5 s). */
  connectTimeoutMs?: number
  now?: () => number
}

/** Most calls written in one group-commit transaction. */
const MAX_GROUP_CALLS = 50_000

/** bigint (int8) columns as numbers: counts and epoch milliseconds stay far below 2^53. */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')
}

const periodEndSql = (b: string): string => `(${b}.period + 1)::bigint * (CASE ${b}.level WHEN ${LEVEL_HOUR} THEN ${HOUR_MS} ELSE ${24 * HOUR_MS} END)`
const periodStartSql = (b: string): string => `${b}.period::bigint * (CASE ${b}.level WHEN ${LEVEL_HOUR} THEN ${HOUR_MS} ELSE ${24 * HOUR_MS} END)`

export class PostgresStore implements MapStore {
  readonly kind = 'postgres' as const
  readonly durable = true
  private pool?: Pool
  private leader?: pg.Client
  private leading = false
  private readonly hourlyMs: number
  private readonly now: () => number
  private readonly jobsKey: number
  private readonly runKey: number
  private pending: Array<{ calls: Call[], resolve: () => void, reject: (err: unknown) => void }> = []
  private flushing?: Promise<void>
  /** The edge count as last read, until a local write may have changed it (or 5 s pass). */
  private counted?: { n: number, at: number }

  constructor (private readonly opts: PostgresStoreOptions) {
    this.hourlyMs = opts.hourlyHistoryMs ?? 48 * HOUR_MS
    this.now = opts.now ?? Date.now
    this.jobsKey = jobsLock(opts.cluster)
    this.runKey = jobRunLock(opts.cluster)
  }

  get cluster (): string { return this.opts.cluster }

  private hourlyFrom (): number { return this.now() - this.hourlyMs }

  async open (): Promise<void> {
    const pool = new pg.Pool({ connectionString: this.opts.dsn, max: this.opts.poolSize ?? 8, connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000, idleTimeoutMillis: 30_000, types, application_name: 'podmap-mapper' })
    // An idle connection cut by a database restart must not end the process; the next query reconnects.
    pool.on('error', (err) => this.opts.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'an idle PostgreSQL connection failed'))
    this.pool = pool
    const m = await migrate(pool)
    if (m.applied.length > 0) this.opts.log.info({ applied: m.applied, schema: m.current }, 'PostgreSQL schema migrated')
    await this.rollUp()
  }

  async close (): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {})
    const leader = this.leader
    this.leader = undefined
    await leader?.end().catch(() => {})
    const pool = this.pool
    this.pool = undefined
    await pool?.end()
  }

  private get db (): Pool {
    if (!this.pool) throw new Error('the PostgreSQL store is not open')
    return this.pool
  }

  /** One query outside a transaction; an unreachable database becomes StoreUnavailable. */
  private async q<R extends pg.QueryResultRow> (text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.db.query<R>(text, values)
    } catch (err) {
      throw this.translate(err)
    }
  }

  private translate (err: unknown): unknown {
    if (!isUnavailable(err)) return err
    this.opts.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'PostgreSQL cannot be reached')
    return StoreUnavailable(undefined, { cause: err })
  }

  /** Runs `fn` in a transaction, again on a deadlock or a concurrent insert (at most 8 tries). */
  private async tx<T> (fn: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withClient(this.db, async (c) => {
          await c.query('BEGIN')
          try {
            const out = await fn(c)
            await c.query('COMMIT')
            return out
          } catch (err) {
            await c.query('ROLLBACK').catch(() => {})
            throw err
          }
        })
      } catch (err) {
        if (isRetryable(err) && attempt < 8) continue
        throw this.translate(err)
      }
    }
  }

  /**
   * Resolves once the calls are committed. Reports that arrive while a write is under way share the
   * next transaction (group commit, as the embedded store's log shares an fsync): reports that hit
   * the same edges would otherwise queue on the same row locks, one commit each.
   */
  async record (calls: Call[]): Promise<void> {
    if (calls.length === 0) return
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ calls, resolve, reject })
      this.flushing ??= this.flush()
    })
  }

  private async flush (): Promise<void> {
    while (this.pending.length > 0) {
      // At most MAX_GROUP_CALLS calls in one transaction (a single bigger report goes alone).
      let n = 0
      let take = 0
      while (take < this.pending.length && (take === 0 || n + (this.pending[take]?.calls.length ?? 0) <= MAX_GROUP_CALLS)) n += this.pending[take++]?.calls.length ?? 0
      const group = this.pending.splice(0, take)
      try {
        await this.tx(async (c) => { await this.write(c, group.length === 1 ? group[0]?.calls ?? [] : group.flatMap((g) => g.calls)) })
        for (const g of group) g.resolve()
      } catch (err) {
        for (const g of group) g.reject(err)
      }
    }
    this.flushing = undefined
  }

  /** Adds calls inside a transaction: edges upserted in key order, then their buckets and facet totals. */
  private async write (c: PoolClient, calls: Call[]): Promise<void> {
    if (calls.length === 0) return
    const restating = restatingKeys(calls)
    if (restating.length > 0) {
      // Restated calls (count 0) count one observation where the map keeps none of their facet.
      const held = await c.query<{ key: string }>(`
        SELECT e.client_key || '>' || e.server_key || '/' || f.facet AS key
        FROM podmap_edges e JOIN podmap_facets f ON f.edge_id = e.id
        JOIN unnest($2::text[], $3::text[], $4::int[]) AS r(ck, sk, facet) ON e.client_key = r.ck AND e.server_key = r.sk AND f.facet = r.facet
        WHERE e.cluster = $1 AND f.total > 0`, [this.opts.cluster, restating.map((r) => r.ck), restating.map((r) => r.sk), restating.map((r) => r.facet)])
      calls = restatedCounts(calls, new Set(held.rows.map((r) => r.key)))
    }
    const deltas = callRows(calls, this.hourlyFrom())
    const edges = deltas.map((d) => ({ ck: d.ck, sk: d.sk, client: d.client, server: d.server, addresses: d.addresses ?? null, first: d.first, last: d.last, count: d.count, names: d.names ?? null, services: d.services ?? null, nodes: d.nodes ?? null }))
    // Samples go in as [value, times] lists and are folded by podmap_merge_sample: on a conflict from
    // the incoming list, and for a new row by the statement after (the insert stores the list).
    const res = await c.query<{ id: number, inserted: boolean }>(`
      INSERT INTO podmap_edges AS e (cluster, client_key, server_key, client, server, addresses, first_seen, last_seen, count, dns_names, services, nodes)
      SELECT $1, r.ck, r.sk, r.client, r.server, r.addresses, r.first, r.last, r.count, r.names, r.services, r.nodes
      FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (ck text, sk text, client jsonb, server jsonb, addresses jsonb, first bigint, last bigint, count bigint, names jsonb, services jsonb, nodes jsonb))
        WITH ORDINALITY AS r(ck, sk, client, server, addresses, first, last, count, names, services, nodes, i)
      ORDER BY r.i
      ON CONFLICT (cluster, client_key, server_key) DO UPDATE SET
        server = CASE WHEN coalesce(e.server ->> 'service', '') = '' AND coalesce(excluded.server ->> 'service', '') <> '' THEN excluded.server ELSE e.server END,
        addresses = podmap_merge_addresses(e.addresses, excluded.addresses),
        first_seen = least(e.first_seen, excluded.first_seen),
        last_seen = greatest(e.last_seen, excluded.last_seen),
        count = e.count + excluded.count,
        dns_names = podmap_merge_sample(e.dns_names, excluded.dns_names),
        services = podmap_merge_sample(e.services, excluded.services),
        nodes = podmap_merge_sample(e.nodes, excluded.nodes)
      RETURNING id, (xmax = 0) AS inserted`, [this.opts.cluster, JSON.stringify(edges)])
    const ids = res.rows.map((r) => r.id)
    const fresh = res.rows.filter((r) => r.inserted).map((r) => r.id)
    if (fresh.length > 0) {
      this.counted = undefined
      await c.query(`UPDATE podmap_edges SET addresses = podmap_merge_addresses(NULL, addresses), dns_names = podmap_merge_sample(NULL, dns_names),
        services = podmap_merge_sample(NULL, services), nodes = podmap_merge_sample(NULL, nodes) WHERE id = ANY($1::bigint[])`, [fresh])
    }
    const b: number[][] = [[], [], [], [], [], [], []]
    const f: number[][] = [[], [], []]
    deltas.forEach((d, i) => {
      const id = ids[i] as number
      for (const x of d.buckets) { b[0]?.push(id); b[1]?.push(x.level); b[2]?.push(x.period); b[3]?.push(x.facet); b[4]?.push(x.firstOff); b[5]?.push(x.lastOff); b[6]?.push(x.count) }
      for (const [facet, total] of d.facets) { f[0]?.push(id); f[1]?.push(facet); f[2]?.push(total) }
    })
    await c.query(`
      INSERT INTO podmap_buckets AS b (edge_id, level, period, facet, first_off, last_off, count)
      SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::int[], $5::int[], $6::int[], $7::bigint[])
      ON CONFLICT (edge_id, level, period, facet) DO UPDATE SET
        first_off = least(b.first_off, excluded.first_off), last_off = greatest(b.last_off, excluded.last_off), count = b.count + excluded.count`, b)
    await c.query(`
      INSERT INTO podmap_facets AS f (edge_id, facet, total) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[])
      ON CONFLICT (edge_id, facet) DO UPDATE SET total = f.total + excluded.total`, f)
  }

  async hold (report: Omit<HeldReport, 'id'>): Promise<number> {
    const r = await this.q<{ id: number }>('INSERT INTO podmap_held (cluster, node, at, dns, sockets) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [this.opts.cluster, report.node, report.at, JSON.stringify(report.dns), JSON.stringify(report.sockets)])
    return r.rows[0]?.id as number
  }

  async heldReports (limit: number): Promise<HeldReport[]> {
    const r = await this.q<HeldReport>('SELECT id, node, at, dns, sockets FROM podmap_held WHERE cluster = $1 ORDER BY id LIMIT $2', [this.opts.cluster, limit])
    return r.rows
  }

  /** The report is removed and its calls recorded in one transaction; a report another replica released already adds nothing. */
  async release (id: number, calls: Call[]): Promise<void> {
    await this.tx(async (c) => {
      const gone = await c.query('DELETE FROM podmap_held WHERE id = $1 AND cluster = $2', [id, this.opts.cluster])
      if (gone.rowCount === 1) await this.write(c, calls)
    })
  }

  async heldRecords (): Promise<number> {
    const r = await this.q<{ n: number }>('SELECT coalesce(sum(jsonb_array_length(dns) + jsonb_array_length(sockets)), 0)::bigint AS n FROM podmap_held WHERE cluster = $1', [this.opts.cluster])
    return r.rows[0]?.n ?? 0
  }

  async reset (): Promise<number> {
    this.counted = undefined
    const r = await this.q('DELETE FROM podmap_edges WHERE cluster = $1', [this.opts.cluster])
    return r.rowCount ?? 0
  }

  async pin (p: Pin): Promise<void> {
    await this.q(`INSERT INTO podmap_snapshots (cluster, name, created_at, edges) VALUES ($1, $2, $3, $4)
      ON CONFLICT (cluster, name) DO UPDATE SET created_at = excluded.created_at, edges = excluded.edges`, [this.opts.cluster, p.name, p.createdAt, JSON.stringify(p.edges)])
  }

  async unpin (name: string): Promise<boolean> {
    const r = await this.q('DELETE FROM podmap_snapshots WHERE cluster = $1 AND name = $2', [this.opts.cluster, name])
    return r.rowCount === 1
  }

  async pins (): Promise<Pin[]> {
    const r = await this.q<{ name: string, created_at: number, edges: Edge[] }>('SELECT name, created_at, edges FROM podmap_snapshots WHERE cluster = $1 ORDER BY created_at, name', [this.opts.cluster])
    return r.rows.map((p) => ({ name: p.name, createdAt: p.created_at, edges: p.edges }))
  }

  async getPin (name: string): Promise<Pin | undefined> {
    const r = await this.q<{ name: string, created_at: number, edges: Edge[] }>('SELECT name, created_at, edges FROM podmap_snapshots WHERE cluster = $1 AND name = $2', [this.opts.cluster, name])
    const p = r.rows[0]
    return p ? { name: p.name, createdAt: p.created_at, edges: p.edges } : undefined
  }

  /**
   * Renames an identity: the edges it is on, and those they may merge into, are loaded (locked), renamed
   * with the embedded store's own code, and written back.
   */
  async rekey (from: Identity, to: Identity): Promise<void> {
    const keys = [identityKey(from), identityKey(to)]
    await this.tx(async (c) => {
      const edges = (await c.query<EdgeRow>(`SELECT ${EDGE_COLUMNS} FROM podmap_edges WHERE cluster = $1 AND (client_key = ANY($2) OR server_key = ANY($2)) ORDER BY client_key, server_key FOR UPDATE`, [this.opts.cluster, keys])).rows
      if (!edges.some((e) => identityKey(e.client) === keys[0] || identityKey(e.server) === keys[0])) return
      const ids = edges.map((e) => e.id)
      const facets = (await c.query<FacetRow>('SELECT edge_id, facet, total FROM podmap_facets WHERE edge_id = ANY($1::bigint[])', [ids])).rows
      const buckets = (await c.query<BucketRow>('SELECT edge_id, level, period, facet, first_off, last_off, count FROM podmap_buckets WHERE edge_id = ANY($1::bigint[])', [ids])).rows
      const mem = new EdgeStore()
      for (const r of toRecords(edges, facets, buckets)) mem.restore(r)
      mem.rekey(from, to, this.hourlyFrom())
      await c.query('DELETE FROM podmap_edges WHERE id = ANY($1::bigint[])', [ids])
      await saveRecords(c, this.opts.cluster, [...mem.records()])
      this.counted = undefined
    })
  }

  /** Forgets buckets that ended by `before`; an edge with none left goes; counts and first seen follow what is kept. */
  async prune (before: number): Promise<number> {
    this.counted = undefined
    return await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, this.runKey])
      const cluster = this.opts.cluster
      await c.query(`DELETE FROM podmap_buckets b USING podmap_edges e WHERE b.edge_id = e.id AND e.cluster = $1 AND ${periodEndSql('b')} <= $2`, [cluster, before])
      const removed = await c.query('DELETE FROM podmap_edges e WHERE e.cluster = $1 AND NOT EXISTS (SELECT 1 FROM podmap_buckets b WHERE b.edge_id = e.id)', [cluster])
      await c.query(`UPDATE podmap_facets f SET total = coalesce((SELECT sum(b.count) FROM podmap_buckets b WHERE b.edge_id = f.edge_id AND b.facet = f.facet), 0)
        FROM podmap_edges e WHERE f.edge_id = e.id AND e.cluster = $1`, [cluster])
      await c.query(`UPDATE podmap_edges e SET count = (SELECT coalesce(sum(f.total), 0) FROM podmap_facets f WHERE f.edge_id = e.id),
        first_seen = greatest(e.first_seen, (SELECT min(${periodStartSql('b')} + b.first_off) FROM podmap_buckets b WHERE b.edge_id = e.id))
        WHERE e.cluster = $1`, [cluster])
      return removed.rowCount ?? 0
    })
  }

  /**
   * Merges hourly buckets that ended by the hourly horizon into their days (as history.ts rollUp: each
   * hour's first and last seen, its counts per facet); returns how many hours moved.
   */
  async rollUp (): Promise<number> {
    return await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, this.runKey])
      const r = await c.query<{ n: number }>(`
        WITH moved AS (
          DELETE FROM podmap_buckets b USING podmap_edges e
          WHERE b.edge_id = e.id AND e.cluster = $1 AND b.level = ${LEVEL_HOUR} AND (b.period + 1)::bigint * ${HOUR_MS} <= $2
          RETURNING b.edge_id, b.period, b.facet, b.first_off, b.last_off, b.count
        ), hours AS (
          SELECT edge_id, period, min(period::bigint * ${HOUR_MS} + first_off) AS f, max(period::bigint * ${HOUR_MS} + last_off) AS l
          FROM moved GROUP BY edge_id, period
        ), days AS (
          SELECT m.edge_id, (h.l / ${24 * HOUR_MS})::int AS day, m.facet, min(h.f) AS f, max(h.l) AS l, sum(m.count) AS n
          FROM moved m JOIN hours h USING (edge_id, period) WHERE m.count > 0 GROUP BY m.edge_id, 2, m.facet
        ), ins AS (
          INSERT INTO podmap_buckets AS b (edge_id, level, period, facet, first_off, last_off, count)
          SELECT edge_id, ${LEVEL_DAY}, day, facet, greatest(0, f - day::bigint * ${24 * HOUR_MS}), l - day::bigint * ${24 * HOUR_MS}, n FROM days
          ORDER BY edge_id, day, facet
          ON CONFLICT (edge_id, level, period, facet) DO UPDATE SET
            first_off = least(b.first_off, excluded.first_off), last_off = greatest(b.last_off, excluded.last_off), count = b.count + excluded.count
        )
        SELECT count(*)::bigint AS n FROM hours`, [this.opts.cluster, this.hourlyFrom()])
      return r.rows[0]?.n ?? 0
    })
  }

  /**
   * Whether this replica runs the periodic jobs: it holds the cluster's jobs advisory lock on a
   * connection of its own (taken when free; lost with that connection, e.g. when the replica dies).
   */
  async leadsJobs (): Promise<boolean> {
    try {
      if (!this.leader) {
        const client = new pg.Client({ connectionString: this.opts.dsn, connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 5000, application_name: 'podmap-mapper-jobs', types })
        const lost = (): void => { if (this.leader === client) { this.leader = undefined; this.leading = false } }
        client.on('error', lost)
        client.on('end', lost)
        await client.connect()
        this.leader = client
        this.leading = false
      }
      if (this.leading) {
        // Held as long as this connection lives: check that it does.
        await this.leader.query('SELECT 1')
        return true
      }
      const r = await this.leader.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, this.jobsKey])
      this.leading = r.rows[0]?.ok === true
      return this.leading
    } catch (err) {
      const leader = this.leader
      this.leader = undefined
      this.leading = false
      await leader?.end().catch(() => {})
      throw this.translate(err)
    }
  }

  /** Edge records for a read: edges (filtered by namespace in SQL), facet totals, and buckets when a window needs them. */
  private async load (filter: EdgeFilter = {}, where = '', args: unknown[] = [], cluster = this.opts.cluster): Promise<EdgeStore> {
    const windowed = filter.since !== undefined || filter.until !== undefined
    const ns = filter.namespaces && filter.namespaces.length > 0 ? filter.namespaces : null
    try {
      return await withClient(this.db, async (c) => {
        // One snapshot for the three reads.
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        try {
          const scope = `e.cluster = $1 AND ($2::text[] IS NULL OR e.client ->> 'namespace' = ANY($2) OR e.server ->> 'namespace' = ANY($2))${where}`
          const params = [cluster, ns, ...args]
          const edges = (await c.query<EdgeRow>(`SELECT ${EDGE_COLUMNS.split(', ').map((x) => `e.${x}`).join(', ')} FROM podmap_edges e WHERE ${scope}`, params)).rows
          const facets = (await c.query<FacetRow>(`SELECT f.edge_id, f.facet, f.total FROM podmap_facets f JOIN podmap_edges e ON e.id = f.edge_id WHERE ${scope}`, params)).rows
          let buckets: BucketRow[] = []
          if (windowed || where !== '') {
            const n = params.length
            buckets = (await c.query<BucketRow>(`SELECT b.edge_id, b.level, b.period, b.facet, b.first_off, b.last_off, b.count FROM podmap_buckets b JOIN podmap_edges e ON e.id = b.edge_id
              WHERE ${scope} AND ($${n + 1}::bigint IS NULL OR ${periodEndSql('b')} > $${n + 1}) AND ($${n + 2}::bigint IS NULL OR ${periodStartSql('b')} <= $${n + 2})`, [...params, filter.since ?? null, filter.until ?? null])).rows
          }
          await c.query('COMMIT')
          const mem = new EdgeStore()
          for (const r of toRecords(edges, facets, buckets)) mem.restore(r)
          return mem
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {})
          throw err
        }
      })
    } catch (err) {
      throw this.translate(err)
    }
  }

  async list (filter?: EdgeFilter): Promise<Edge[]> { return (await this.named(filter)) ?? (await this.load(filter)).list(filter) }
  async listJson (filter?: EdgeFilter): Promise<string> {
    const named = await this.named(filter)
    return named ? JSON.stringify({ edges: named }) : (await this.load(filter)).listJson(filter)
  }

  private async named (filter?: EdgeFilter): Promise<Edge[] | undefined> {
    return await readClusters(filter, async (c) => (await this.load(filter, '', [], c)).list(filter))
  }

  async clusters (): Promise<Array<{ name: string, edges: number }>> {
    const r = await this.q<{ name: string, edges: number }>('SELECT cluster AS name, count(*)::bigint AS edges FROM podmap_edges GROUP BY cluster')
    const out = r.rows
    if (!out.some((c) => c.name === this.opts.cluster)) out.push({ name: this.opts.cluster, edges: 0 })
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  async explain (clientKey: string, serverKey: string, since?: number, until?: number): Promise<ExplainResponse | undefined> {
    const mem = await this.load({}, ' AND e.client_key = $3 AND e.server_key = $4', [clientKey, serverKey])
    return mem.explain(clientKey, serverKey, since, until)
  }

  async portCounts (): Promise<PortCount[]> { return [...(await this.load()).portCounts()] }

  async edgeCount (): Promise<number> {
    const t = Date.now()
    if (this.counted && t - this.counted.at < 5000) return this.counted.n
    const r = await this.q<{ n: number }>('SELECT count(*)::bigint AS n FROM podmap_edges WHERE cluster = $1', [this.opts.cluster])
    const n = r.rows[0]?.n ?? 0
    this.counted = { n, at: t }
    return n
  }
}
