/**
 * Writes whole edge records (edge-store.ts) as rows, inside the caller's transaction: a rename
 * (rekey) loads the edges it touches, renames and merges them with the embedded store's code, and
 * writes the result back through this.
 */
import type { PoolClient } from 'pg'
import { identityKey } from '../call.js'
import type { EdgeRecord } from '../edge-store.js'
import type { BucketLevel } from '../history.js'
import { LEVEL_DAY, LEVEL_HOUR } from './call-rows.js'

export async function saveRecords (c: PoolClient, cluster: string, records: EdgeRecord[]): Promise<void> {
  const sorted = [...records].sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  for (const e of sorted) {
    const s = e.samples
    const r = await c.query<{ id: number }>(`INSERT INTO podmap_edges (cluster, client_key, server_key, client, server, addresses, first_seen, last_seen, count, dns_names, services, nodes)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, [
      cluster, identityKey(e.client), identityKey(e.server), JSON.stringify(e.client), JSON.stringify(e.server),
      e.addresses ? JSON.stringify([...e.addresses]) : null, e.firstSeen, e.lastSeen, e.count,
      s.dnsNames ? JSON.stringify(s.dnsNames) : null, s.services ? JSON.stringify(s.services) : null, s.nodes ? JSON.stringify(s.nodes) : null
    ])
    const id = r.rows[0]?.id as number
    const h = e.history
    const k = h.facets.length
    const cols: number[][] = [[], [], [], [], [], [], []]
    const push = (level: number, lv: BucketLevel): void => {
      const w = 3 + k
      const data = lv.words(k)
      for (let i = 0; i < data.length; i += w) {
        for (let col = 0; col < k; col++) {
          // A facet with no count in a bucket has no row (a bucket of only such facets keeps one, for its times).
          const n = data[i + 3 + col] as number
          if (n === 0 && !(col === 0 && allZero(data, i + 3, k))) continue
          cols[0]?.push(id); cols[1]?.push(level); cols[2]?.push(data[i] as number); cols[3]?.push(h.facets[col] as number)
          cols[4]?.push(data[i + 1] as number); cols[5]?.push(data[i + 2] as number); cols[6]?.push(n)
        }
      }
    }
    push(LEVEL_HOUR, h.hours)
    push(LEVEL_DAY, h.days)
    await c.query('INSERT INTO podmap_buckets (edge_id, level, period, facet, first_off, last_off, count) SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::int[], $4::int[], $5::int[], $6::int[], $7::bigint[])', cols)
    await c.query('INSERT INTO podmap_facets (edge_id, facet, total) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[])', [h.facets.map(() => id), h.facets, h.totals])
  }
}

function allZero (data: Uint32Array, from: number, k: number): boolean {
  for (let i = from; i < from + k; i++) if (data[i] !== 0) return false
  return true
}
