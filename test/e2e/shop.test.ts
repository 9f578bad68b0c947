/**
 * End to end on a network-namespace cluster: the real sniffer captures real DNS responses and reads
 * real /proc sessions, the real mapper resolves them through informers fed by the fake API server,
 * and the map holds exactly the calls made.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { shopScenario } from '../testbed/scenarios.js'
import { startStack, waitFor, BIN, type Stack } from './stack.js'
import { runClient, startServer } from './traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

const CHECKOUT = 'shop/checkout-7d9f8c6b5d-x2x7k'
const ORDERS = 'shop/orders-5c4f7b9d8e-k8w2p'
const NIGHTLY = 'batch/nightly-28000000-7qv4n'
const LEDGER = 'db/ledger-0'

let stack: Stack

before(async () => {
  stack = await startStack(shopScenario)
  await startServer(stack.tb, ORDERS, [8080])
  await startServer(stack.tb, LEDGER, [5432])
})

after(async () => { await stack?.stop() })

const strip = (e: Edge) => ({ client: e.client, server: e.server, ports: e.ports, evidence: e.evidence })

async function map (query = ''): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map${query}`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges
}

test('the map holds exactly the calls made: Service, headless StatefulSet via CronJob, external name', async () => {
  await Promise.all([
    runClient(stack.tb, { pod: CHECKOUT, host: 'orders.shop.svc.cluster.local', port: 80 }),
    runClient(stack.tb, { pod: NIGHTLY, host: 'ledger.db.svc.cluster.local', port: 5432 }),
    runClient(stack.tb, { pod: CHECKOUT, host: 'api.partner.example', port: 443 })
  ])
  const expected = [
    {
      client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' },
      server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger', service: 'ledger' },
      ports: [{ port: 5432, protocol: 'TCP' }],
      evidence: ['dns', 'tcp']
    },
    {
      client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
      ports: [{ port: 8080, protocol: 'TCP' }],
      evidence: ['dns', 'tcp']
    },
    {
      client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      server: { kind: 'External', name: 'api.partner.example' },
      ports: [{ port: 443, protocol: 'TCP' }],
      evidence: ['dns', 'tcp']
    }
  ]
  const sortKey = (e: { client: { name: string }, server: { name: string } }) => `${e.client.name}>${e.server.name}`
  expected.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
  let last: unknown
  try {
    await waitFor('the expected edges', async () => {
      const edges = (await map()).map(strip).sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      last = edges
      return JSON.stringify(edges) === JSON.stringify(expected) ? edges : undefined
    }, 20_000, 500)
  } catch (err) {
    assert.deepEqual(last, expected, `${(err as Error).message}\nsniffer log:\n${stack.logs.sniffer.slice(-20).join('\n')}\nmapper log:\n${stack.logs.mapper.slice(-20).join('\n')}`)
  }
})

test('first and last seen are real times, and the namespace filter narrows the map', async () => {
  const edges = await map()
  for (const e of edges) {
    assert.ok(Date.parse(e.firstSeen) <= Date.parse(e.lastSeen))
    assert.ok(Date.now() - Date.parse(e.lastSeen) < 10 * 60_000)
  }
  const batch = await map('?namespace=batch')
  assert.deepEqual(batch.map((e) => e.client.name), ['nightly'])
})

test('the sniffer and the mapper count what they did', async () => {
  const sniffer = await (await fetch(`${stack.snifferUrl}/metrics`)).text()
  const value = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
  assert.ok(value(sniffer, 'podmap_sniffer_dns_responses_total') >= 3, 'DNS responses decoded')
  assert.ok(value(sniffer, 'podmap_sniffer_records_sent_total') > 0, 'records acknowledged')
  const mapper = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
  assert.match(mapper, /podmap_mapper_edges 3/)
})

test('`podmap list` prints the map as a table grouped by client', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'list', '--mapper-url', stack.mapperUrl])
  const lines = stdout.trim().split('\n')
  assert.match(lines[0] ?? '', /^CLIENT\s+SERVER\s+SERVICE\s+PORTS\s+EVIDENCE\s+LAST SEEN$/)
  assert.ok(lines.some((l) => /^Deployment shop\/checkout\s+Deployment shop\/orders\s+orders\s+8080\/TCP\s+dns,tcp/.test(l)), stdout)
  assert.ok(lines.some((l) => /^\s+External api\.partner\.example\s+-\s+443\/TCP\s+dns,tcp/.test(l)), stdout)
})
