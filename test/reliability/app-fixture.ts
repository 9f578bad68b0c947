/** The mapper app on the shop fixture cluster, driven through inject(), with its log captured. */
import { buildTestApp, type TestAppOptions } from '../mapper/test-app.js'
import { IP, T0 } from '../mapper/fixtures.js'

export const TOKEN = 'rel-s3cret-token-0123456789'
export const auth = { authorization: `Bearer ${TOKEN}` }
export { IP, T0 }

export async function appFixture (opts: TestAppOptions = {}) {
  const { app, store, embedded, logged, registry } = await buildTestApp({ token: TOKEN, bodyLimit: 256 * 1024, ...opts })
  return { app, store, embedded, logged, registry }
}

export const validReport = (node = 'node-a') => ({
  version: 1,
  node,
  sentAt: T0,
  dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0 + 5000, count: 2 }]
})
