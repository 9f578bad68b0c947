/** The shop map of the e2e tests and the demo, as the map API returns it: for the page's layout tests. */
import type { Edge, Identity } from '../../../src/contract/map.js'

const at = '2026-11-26T12:00:00.000Z'
const edge = (client: Identity, server: Identity, port: number): Edge =>
  ({ client, server, ports: [{ port, protocol: 'TCP' }], evidence: ['dns', 'tcp'], firstSeen: at, lastSeen: at })

export const checkout: Identity = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
export const orders: Identity = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
export const nightly: Identity = { kind: 'CronJob', namespace: 'batch', name: 'nightly' }
export const ledger: Identity = { kind: 'StatefulSet', namespace: 'db', name: 'ledger', service: 'ledger' }
export const partner: Identity = { kind: 'External', name: 'api.partner.example' }

export const shopEdges = (): Edge[] => [
  edge(checkout, orders, 8080),
  edge(nightly, ledger, 5432),
  edge(checkout, partner, 443)
]

export { edge }
