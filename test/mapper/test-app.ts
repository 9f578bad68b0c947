/** The mapper app over the fixture cluster, with an in-memory map: for inject() tests. */
import { Writable } from 'node:stream'
import { createMapper, type MapperOptions } from '../../mapper/create-mapper.js'
import { EmbeddedStore } from '../../mapper/store/embedded-store.js'
import { createLogger } from '../../src/log/logger.js'
import { shopIndex } from './fixtures.js'

export const TEST_TOKEN = 's3cret-token-value'

export interface TestAppOptions extends Partial<Omit<MapperOptions, 'log'>> {}

export async function buildTestApp (opts: TestAppOptions = {}) {
  const logged: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { logged.push(String(chunk)); cb() } })
  const log = createLogger({ level: 'info', component: 'mapper', destination: sink })
  // The embedded store, made here so tests can read its in-memory map synchronously (`store`).
  const embedded = new EmbeddedStore({ log, stateDir: opts.stateDir, now: opts.now, hourlyHistoryMs: opts.hourlyHistoryMs, maxSnapshots: opts.maxSnapshots })
  const mapper = await createMapper({
    store: embedded,
    log,
    token: TEST_TOKEN,
    clusterDomain: 'cluster.local',
    excludeNamespaces: [],
    // Fixtures have fixed dates: reported times may be up to a century old here.
    times: { maxFutureMs: 5 * 60_000, maxPastMs: 100 * 365 * 86_400_000 },
    requestTimeoutMs: 30_000,
    bodyLimit: 64 * 1024,
    index: opts.index ?? shopIndex(),
    ...opts
  })
  return { ...mapper, embedded, store: embedded.edges, logged }
}
