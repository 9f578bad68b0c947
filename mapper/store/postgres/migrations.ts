/**
 * The PostgreSQL store's schema, as numbered migrations applied in order at start (migrate.ts). A
 * released migration is never edited: a change is a new entry at the end.
 *
 * Tables (every row of the map carries its cluster, so one database serves a fleet):
 * - podmap_edges: one row per (cluster, client, server) with first/last seen, count, the addresses of an
 *   External server (at most 64, first come) and the explain samples (`[values, dropped]`, at most 16).
 * - podmap_buckets: the history, one row per (edge, level, period, facet): level 0 hourly, 1 daily;
 *   period is the hour (or day) number since the epoch; offsets are milliseconds into the period. A
 *   bucket's first/last seen is the least/greatest over its facet rows (as history.ts keeps per bucket).
 * - podmap_facets: per edge and facet (call.ts facetKey), the count within retention.
 * - podmap_snapshots, podmap_held: pinned snapshots and reports held until the cluster view is ready.
 */
export interface Migration { version: number, name: string, sql: string }

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'map, history, snapshots, held reports',
    sql: `
CREATE TABLE podmap_edges (
  id bigserial PRIMARY KEY,
  cluster text NOT NULL,
  client_key text NOT NULL,
  server_key text NOT NULL,
  client jsonb NOT NULL,
  server jsonb NOT NULL,
  addresses jsonb,
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  count bigint NOT NULL,
  dns_names jsonb,
  services jsonb,
  nodes jsonb,
  UNIQUE (cluster, client_key, server_key)
);
CREATE INDEX podmap_edges_server ON podmap_edges (cluster, server_key);
CREATE TABLE podmap_buckets (
  edge_id bigint NOT NULL REFERENCES podmap_edges (id) ON DELETE CASCADE,
  level smallint NOT NULL,
  period integer NOT NULL,
  facet integer NOT NULL,
  first_off integer NOT NULL,
  last_off integer NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (edge_id, level, period, facet)
);
CREATE INDEX podmap_buckets_period ON podmap_buckets (level, period);
CREATE TABLE podmap_facets (
  edge_id bigint NOT NULL REFERENCES podmap_edges (id) ON DELETE CASCADE,
  facet integer NOT NULL,
  total bigint NOT NULL,
  PRIMARY KEY (edge_id, facet)
);
CREATE TABLE podmap_snapshots (
  cluster text NOT NULL,
  name text NOT NULL,
  created_at bigint NOT NULL,
  edges jsonb NOT NULL,
  PRIMARY KEY (cluster, name)
);
CREATE TABLE podmap_held (
  id bigserial PRIMARY KEY,
  cluster text NOT NULL,
  node text NOT NULL,
  at bigint NOT NULL,
  dns jsonb NOT NULL,
  sockets jsonb NOT NULL
);
CREATE INDEX podmap_held_cluster ON podmap_held (cluster, id);

-- Appends addresses not yet kept, up to 64 (edge-store.ts MAX_ADDRESSES); NULL incoming keeps old.
CREATE FUNCTION podmap_merge_addresses (old jsonb, incoming jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  kept jsonb := coalesce(old, '[]'::jsonb);
  a jsonb;
BEGIN
  IF incoming IS NULL THEN RETURN old; END IF;
  FOR a IN SELECT value FROM jsonb_array_elements(incoming) LOOP
    EXIT WHEN jsonb_array_length(kept) >= 64;
    IF NOT kept @> jsonb_build_array(a) THEN kept := kept || jsonb_build_array(a); END IF;
  END LOOP;
  RETURN kept;
END $$;

-- A sample [values, dropped] (explain-sample.ts) given [[value, times], ...] in arrival order: a value
-- not kept is added while there is room, else each of its observations is counted as dropped.
CREATE FUNCTION podmap_merge_sample (old jsonb, incoming jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  kept jsonb := coalesce(old -> 0, '[]'::jsonb);
  dropped bigint := coalesce((old ->> 1)::bigint, 0);
  item jsonb;
BEGIN
  IF incoming IS NULL THEN RETURN old; END IF;
  FOR item IN SELECT value FROM jsonb_array_elements(incoming) LOOP
    CONTINUE WHEN kept @> jsonb_build_array(item -> 0);
    IF jsonb_array_length(kept) < 16 THEN kept := kept || jsonb_build_array(item -> 0);
    ELSE dropped := dropped + (item ->> 1)::bigint; END IF;
  END LOOP;
  RETURN jsonb_build_array(kept, dropped);
END $$;
`
  }
]
