/**
 * One mapper replica for bench:store, in its own process (so replicas do not share an event loop):
 * the synthetic cluster of bench/mapper-cluster.ts in its index, the embedded store under a state
 * directory or the PostgreSQL store from a DSN file, listening on 127.0.0.1. Prints one JSON line
 * `{"url": ...}` once listening; SIGTERM closes it.
 * Usage: node --import tsx store-replica.ts embedded STATE_DIR | postgres DSN_FILE CLUSTER
 */
import { readFile } from 'node:fs/promises'
import { createMapper } from '../../mapper/create-mapper.js'
import { ClusterIndex } from '../../mapper/kube/cluster-index.js'
import { DEFAULT_TIME_BOUNDS } from '../../mapper/resolve/ingest.js'
import { PostgresStore } from '../../mapper/store/postgres/postgres-store.js'
import { createLogger } from '../../src/log/logger.js'
import { syntheticCluster } from '../mapper-cluster.js'

const [kind, where, cluster = 'bench'] = process.argv.slice(2)
const log = createLogger({ level: 'warn', component: 'mapper' })
const index = new ClusterIndex()
for (const [k, obj] of syntheticCluster(5000, 1000).objects) index.upsert(k, obj, Date.now() - 3_600_000)
const store = kind === 'postgres' ? new PostgresStore({ dsn: (await readFile(where as string, 'utf8')).trim(), cluster, log }) : undefined
const { app, map } = await createMapper({
  log, token: 'bench-token', index, ...(store ? { store } : { stateDir: where }),
  clusterDomain: 'cluster.local', excludeNamespaces: [], times: DEFAULT_TIME_BOUNDS,
  requestTimeoutMs: 30_000, bodyLimit: 16 << 20
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(JSON.stringify({ url }) + '\n')
process.once('SIGTERM', () => {
  void (async () => { await app.close(); await map.close(); process.exit(0) })()
})
