/**
 * End to end on the real control plane: the shop applied with kubectl, the chart installed with
 * helm, the real sniffers (one per node) capture real DNS responses from CoreDNS and read real
 * /proc sessions, the real mapper resolves them through informers on the real API server with
 * exactly the chart's ClusterRole (its ServiceAccount's token), and the map holds exactly the
 * calls made.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startStack, waitFor, BIN, type Stack } from './stack.js'
import { makeShopCalls, runClient } from './traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

let stack: Stack
/**
 * The shop's namespaces. A real cluster's map also holds its system's calls (each kubelet to the API
 * server, kubelet probes, CoreDNS to the API server and upstream): exact assertions are on the
 * workloads' namespaces, through the map's own filter.
 */
const SHOP_NS = '?namespace=shop,batch,db'

before(async () => {
  stack = await startStack()
})

after(async () => { await stack?.stop() })

const strip = (e: Edge) => ({ client: e.client, server: e.server, ports: e.ports, evidence: e.evidence })

async function map (query = ''): Promise<Edge[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map${query}`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges
}

test('the map holds exactly the calls made: Service, headless StatefulSet via CronJob, external name', async () => {
  await makeShopCalls(stack.cluster, stack.shop)
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
      const edges = (await map(SHOP_NS)).map(strip).sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      last = edges
      return JSON.stringify(edges) === JSON.stringify(expected) ? edges : undefined
    }, 20_000, 500)
  } catch (err) {
    assert.deepEqual(last, expected, `${(err as Error).message}\nmap: ${JSON.stringify(last)}\nsniffer logs:\n${stack.snifferLogs()}\nmapper log:\n${stack.logs.mapper.slice(-20).join('\n')}`)
  }
})

test('first and last seen are real times, and the namespace filter narrows the map', async () => {
  const edges = await map(SHOP_NS)
  for (const e of edges) {
    assert.ok(Date.parse(e.firstSeen) <= Date.parse(e.lastSeen))
    assert.ok(Date.now() - Date.parse(e.lastSeen) < 10 * 60_000)
  }
  const batch = await map('?namespace=batch')
  assert.deepEqual(batch.map((e) => e.client.name), ['nightly'])
})

test('the sniffers and the mapper count what they did', async () => {
  const value = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
  const texts = await Promise.all([...stack.snifferUrls.values()].map(async (u) => await (await fetch(`${u}/metrics`)).text()))
  const sum = (name: string): number => texts.reduce((n, t) => n + value(t, name), 0)
  assert.ok(sum('podmap_sniffer_dns_responses_total') >= 3, 'DNS responses decoded')
  assert.ok(sum('podmap_sniffer_records_sent_total') > 0, 'records acknowledged')
  const mapper = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
  // Edges only grow here, and system calls keep arriving: the gauge read first is between 3 and the map's size read after.
  const gauge = value(mapper, 'podmap_mapper_edges')
  const size = (await map()).length
  assert.ok(gauge >= 3 && gauge <= size, `podmap_mapper_edges ${gauge}, map ${size}`)
})

test('`podmap list` prints the map as a table grouped by client', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'list', '--mapper-url', stack.mapperUrl])
  const lines = stdout.trim().split('\n')
  assert.match(lines[0] ?? '', /^CLIENT\s+SERVER\s+SERVICE\s+PORTS\s+EVIDENCE\s+LAST SEEN$/)
  assert.ok(lines.some((l) => /^Deployment shop\/checkout\s+Deployment shop\/orders\s+orders\s+8080\/TCP\s+dns,tcp/.test(l)), stdout)
  assert.ok(lines.some((l) => /^\s+External api\.partner\.example\s+-\s+443\/TCP\s+dns,tcp/.test(l)), stdout)
})

test('the map survives kill -9 of the mapper right after a 2xx', async () => {
  const before = await map(SHOP_NS)
  assert.equal(before.length, 3)
  // One more acknowledged report (from the node nightly runs on: a node reports only its own pods), then SIGKILL at once.
  const nightly = await stack.cluster.pod(stack.shop.nightly)
  const res = await fetch(`${stack.mapperUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({
      version: 1, node: nightly.nodeName, sentAt: Date.now(), dns: [],
      sockets: [{ client: nightly.ipv4, server: (await stack.cluster.pod(stack.shop.orders)).ipv4, port: 8080, protocol: 'TCP', firstSeen: Date.now(), lastSeen: Date.now(), count: 1 }]
    })
  })
  assert.equal(res.status, 200)
  await stack.restartMapper('SIGKILL')
  const after = await map(SHOP_NS)
  const key = (e: Edge) => `${e.client.name}>${e.server.name}`
  assert.deepEqual(after.map(key).sort(), [...before.map(key), 'nightly>orders'].sort())
  assert.deepEqual(after.filter((e) => key(e) !== 'nightly>orders'), before)
})

test('time windows, snapshots and diff on the map the testbed built', async () => {
  const now = Date.now()
  assert.equal((await map(`?since=${new Date(now + 60_000).toISOString()}`)).length, 0)
  assert.ok((await map('?since=1h')).length >= 3)
  for (const bad of ['?since=yesterday', '?until=5x', '?since=1h&until=2h', '?labelSelector=app%20in%20(', '?namespace=Bad_NS']) {
    const res = await fetch(`${stack.mapperUrl}/api/v1/map${bad}`)
    assert.equal(res.status, 400, bad)
    const body = await res.json() as { message: string }
    assert.match(body.message, /query\.(since|until|labelSelector|namespace)/, bad)
  }
  const sel = await map('?labelSelector=app%3Dnightly')
  assert.deepEqual(sel.map((e) => e.client.name), ['nightly', 'nightly'])

  const auth = { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` }
  const pin = await fetch(`${stack.mapperUrl}/api/v1/snapshots`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'baseline' }) })
  assert.equal(pin.status, 201)
  await runClient(stack.cluster, { pod: stack.shop.nightly, host: 'api.partner.example', port: 443 })
  let diff: { added: Edge[], removed: Edge[], changed: unknown[] } | undefined
  await waitFor('the new call in the diff', async () => {
    const res = await fetch(`${stack.mapperUrl}/api/v1/diff?from=baseline${SHOP_NS.replace('?', '&')}`)
    assert.equal(res.status, 200)
    diff = await res.json() as typeof diff
    return diff && diff.added.length > 0 && diff.added[0]?.evidence.includes('tcp') ? diff : undefined
  }, 15_000, 500)
  assert.deepEqual(diff?.added.map((e) => `${e.client.name}>${e.server.name}`), ['nightly>api.partner.example'])
  assert.deepEqual(diff?.removed, [])
  const unknown = await fetch(`${stack.mapperUrl}/api/v1/diff?from=nope`)
  assert.equal(unknown.status, 400)
})
