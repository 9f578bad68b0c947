/**
 * A pod calls before its address reaches the informers (issue #12's churn; seen on the real control
 * plane as `External <pod IP> -> orders` after a watch restart): the record waits and resolves to the
 * pod's workload once the index knows the address; an address of the pod network that nothing ever
 * held is counted, never an External edge; the wait is bounded in time and in records.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, TEST_TOKEN } from '../test-app.js'
import { IP, T0, shopIndex } from '../fixtures.js'
import { EarlyRecords, RETRY_DELAYS_MS } from '../../../mapper/resolve/early-records.js'

const auth = { authorization: `Bearer ${TEST_TOKEN}` }
const LATE_IP = '10.1.0.50'
const socket = (client: string, server: string, port: number) => ({ client, server, port, protocol: 'TCP', firstSeen: T0, lastSeen: T0, count: 1 })
const report = (...sockets: Array<ReturnType<typeof socket>>) => ({ version: 3, node: 'node-a', sentAt: T0, dns: [], sockets })
const reportFrom = (node: string, ...sockets: Array<ReturnType<typeof socket> & { side?: string }>) => ({ version: 3, node, sentAt: T0, dns: [], sockets })

const latePod = {
  kind: 'Pod',
  metadata: { name: 'late-1', namespace: 'shop', uid: 'late-1', labels: { app: 'late' }, creationTimestamp: new Date(T0 - 5000).toISOString() },
  spec: { nodeName: 'node-a', containers: [{}] },
  status: { phase: 'Running', podIP: LATE_IP, startTime: new Date(T0 - 4000).toISOString() }
}

const NODE_B = '192.168.50.3'

async function setup (maxEarlyRecords?: number) {
  let now = T0
  const index = shopIndex()
  index.upsert('Node', { kind: 'Node', metadata: { name: 'node-b', uid: 'node-b' }, status: { addresses: [{ type: 'InternalIP', address: NODE_B }] } } as never, T0 - 3_000_000)
  const a = await buildTestApp({ index, podCidrs: ['10.1.0.0/16'], now: () => now, maxEarlyRecords })
  const post = async (body: object): Promise<void> => {
    const res = await a.app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: body })
    assert.equal(res.statusCode, 200, res.body)
  }
  const edges = async (): Promise<string[]> => ((await a.app.inject('/api/v1/map')).json().edges as Array<{ client: { kind: string, name: string }, server: { kind: string, name: string } }>)
    .map((e) => `${e.client.kind} ${e.client.name} -> ${e.server.kind} ${e.server.name}`).sort()
  const metric = async (re: RegExp): Promise<number> => Number(re.exec(await a.registry.metrics())?.[1] ?? 0)
  return { a, post, edges, metric, advance: (ms: number) => { now += ms } }
}

test('a pod that called before its address reached the informers: the call waits, then is its workload\'s, never External', async () => {
  const s = await setup()
  await s.post(report(socket(LATE_IP, IP.ordersSvc, 80), socket(IP.checkout, LATE_IP, 9000)))
  assert.deepEqual(await s.edges(), [], 'nothing resolved yet, and no External edge')
  assert.equal(await s.metric(/^podmap_mapper_early_records (\d+)/m), 2)
  s.a.index.upsert('Pod', latePod, T0) // the informer brings the pod
  assert.equal(await s.a.ingestor.retryEarly(), 0, 'not due yet')
  s.advance(RETRY_DELAYS_MS[0]!)
  assert.equal(await s.a.ingestor.retryEarly(), 2)
  assert.deepEqual(await s.edges(), ['Deployment checkout -> Pod late-1', 'Pod late-1 -> Deployment orders'])
  assert.equal(await s.metric(/^podmap_mapper_early_records (\d+)/m), 0)
})

test('an address of the pod network nothing ever held: retried for a minute, then counted unresolved, never an External edge', async () => {
  const s = await setup()
  await s.post(report(socket('10.1.9.9', IP.ordersSvc, 80)))
  let tries = 0
  for (const delay of RETRY_DELAYS_MS) {
    assert.equal(s.a.ingestor.earlyRecords(), 1, `still waiting before try ${tries + 1}`)
    s.advance(delay)
    await s.a.ingestor.retryEarly()
    tries++
  }
  assert.equal(tries, 6)
  assert.equal(s.a.ingestor.earlyRecords(), 0)
  assert.deepEqual(await s.edges(), [])
  assert.equal(await s.metric(/^podmap_mapper_unresolved_total\{reason="unknown-cluster-address"\} (\d+)/m), 1)
  // An address outside the cluster's networks is External at once, as before.
  await s.post(report(socket(IP.checkout, IP.partner, 443)))
  assert.deepEqual(await s.edges(), ['Deployment checkout -> External 198.51.100.7'])
})

test('the server\'s end of a call from a node not heard from yet waits for that node\'s sniffer: left to it once it reports, the node\'s call if it never does', async () => {
  const s = await setup()
  // node-a's sniffer: only orders' end of a call from node-b's address (a hostNetwork pod there).
  await s.post(reportFrom('node-a', { ...socket(NODE_B, IP.orders, 8080), side: 'server' }))
  assert.deepEqual(await s.edges(), [], 'node-b not heard from: waited for')
  await s.post(reportFrom('node-b', { ...socket(NODE_B, IP.partner, 443), side: 'client' })) // node-b's sniffer reports
  s.advance(RETRY_DELAYS_MS[0]!)
  await s.a.ingestor.retryEarly()
  assert.deepEqual(await s.edges(), ['Node node-b -> External 198.51.100.7'], 'left to node-b\'s sniffer')
  assert.equal(await s.metric(/^podmap_mapper_unresolved_total\{reason="client-node-reports"\} (\d+)/m), 1)

  const quiet = await setup()
  await quiet.post(reportFrom('node-a', { ...socket(NODE_B, IP.orders, 8080), side: 'server' }))
  for (const delay of RETRY_DELAYS_MS) { quiet.advance(delay); await quiet.a.ingestor.retryEarly() }
  assert.deepEqual(await quiet.edges(), ['Node node-b -> Deployment orders'], 'no sniffer on node-b: the server\'s end is all there is')
})

test('past --max-early-records the rest are counted, not kept', async () => {
  const s = await setup(2)
  await s.post(report(socket('10.1.9.1', IP.ordersSvc, 80), socket('10.1.9.2', IP.ordersSvc, 80), socket('10.1.9.3', IP.ordersSvc, 80)))
  assert.equal(s.a.ingestor.earlyRecords(), 2)
  assert.equal(await s.metric(/^podmap_mapper_unresolved_total\{reason="early-records-full"\} (\d+)/m), 1)
})

test('EarlyRecords: each try waits its delay, in order; the last try is marked', () => {
  const q = new EarlyRecords(10)
  const rec = socket('10.1.9.9', IP.ordersSvc, 80) as never
  assert.equal(q.add('node-a', [rec], 0), 0)
  assert.deepEqual(q.takeDue(RETRY_DELAYS_MS[0]! - 1), [])
  let t = 0
  for (let i = 0; i < RETRY_DELAYS_MS.length; i++) {
    t += RETRY_DELAYS_MS[i]!
    const due = q.takeDue(t)
    assert.equal(due.length, 1)
    assert.equal(due[0]!.last, i === RETRY_DELAYS_MS.length - 1)
    assert.equal(q.size, 0)
    if (!due[0]!.last) q.add('node-a', due[0]!.records, t, due[0]!.tries)
  }
  assert.equal(q.add('node-a', [rec, rec, rec], 0), 0)
  assert.equal(q.add('node-a', Array.from({ length: 10 }, () => rec), 0), 3, 'past the bound the rest do not fit')
  assert.equal(q.size, 10)
})
