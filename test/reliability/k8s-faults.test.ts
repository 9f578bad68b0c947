/**
 * Faults, Kubernetes API: the real mapper process against the fake API server while watches are cut
 * mid-stream, requests fail with 500, history expires (410 Gone) and watches stall. The informers
 * recover, /readyz reports the failing cache and comes back, and after recovery the map resolves
 * with the cluster as it is now: a pod IP reassigned during the outage belongs to its new owner.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from '../testbed/fake-apiserver.js'
import { waitFor } from '../e2e/stack.js'
import { shopObjects, IP } from '../mapper/fixtures.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { readyz, startMapperProcess, type MapperProcess } from './mapper-process.js'
import { recordFigure } from './figures.js'

const STALL_TIMEOUT_S = 3
let api: FakeApiServer
let mapper: MapperProcess
const CHECKOUT_POD = { kind: 'Pod', namespace: 'shop', name: 'checkout-7d9f8c6b5d-x2k4p' }
const NIGHTLY_POD = { kind: 'Pod', namespace: 'batch', name: 'nightly-28000000-q7w8e' }

before(async () => {
  api = await startFakeApiServer({ bookmarkIntervalMs: 1000 })
  api.load(shopObjects().map(([, o]) => structuredClone(o) as KubeObj))
  // Bookmarks every second keep a healthy watch well inside the 3 s stall timeout.
  mapper = await startMapperProcess(api, ['--informer-backoff-max', '2s', '--informer-stall-timeout', `${STALL_TIMEOUT_S}s`, '--log-level', 'warn'])
})

after(async () => {
  await mapper?.cleanup()
  await api?.close()
})

function setPodIp (ref: { namespace: string, name: string, kind: string }, ip: string): void {
  const pod = api.get(ref)
  assert.ok(pod, `${ref.name} exists`)
  const status = { ...(pod.status as Record<string, unknown>), podIP: ip, podIPs: [{ ip }] }
  api.update({ ...pod, status })
}

/** Posts one session from `client` to the orders Service and returns who the map says called it. */
async function callerOf (client: string): Promise<string[]> {
  const now = Date.now()
  const res = await fetch(`${mapper.url}/api/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mapper.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] })
  })
  assert.equal(res.status, 200, await res.text())
  const map = mapResponseSchema.parse(await (await fetch(`${mapper.url}/api/v1/map?since=5s`)).json())
  return map.edges.filter((e) => e.server.name === 'orders').map((e) => `${e.client.kind}/${e.client.name}`).sort()
}

/** Polls /readyz every 50 ms until it is 200 again; returns how many polls saw it not ready. */
async function untilReady (ms: number): Promise<number> {
  let notReady = 0
  await waitFor('/readyz 200', async () => {
    const s = await readyz(mapper.url)
    if (s !== 200) notReady++
    return s === 200 ? true : undefined
  }, ms, 50)
  return notReady
}

const figures: string[] = []
let faults = 0

test('watch streams cut mid-event: informers reconnect, the map follows an IP change made meanwhile', async () => {
  const watchesBefore = Object.entries(api.requestCounts()).filter(([k]) => k.endsWith('?watch')).reduce((a, [, n]) => a + n, 0)
  setPodIp(NIGHTLY_POD, '10.1.0.60')
  const cut = api.cutWatches()
  faults++
  assert.ok(cut >= 5, `watches were open (${cut})`)
  setPodIp(CHECKOUT_POD, '10.1.0.50')
  await waitFor('watches reopened', async () => api.openWatches() >= cut ? true : undefined, 20_000, 100)
  await untilReady(20_000)
  const watchesAfter = Object.entries(api.requestCounts()).filter(([k]) => k.endsWith('?watch')).reduce((a, [, n]) => a + n, 0)
  assert.ok(watchesAfter > watchesBefore)
  await waitFor('checkout at its new IP', async () => (await callerOf('10.1.0.50')).includes('Deployment/checkout') ? true : undefined, 15_000, 300)
  figures.push(`cut ${cut} watches: reconnected`)
})

test('500s on list and watch: /readyz goes 503 while failing, recovers with capped backoff, map right after', async () => {
  // Move the old checkout IP to the nightly Job's pod while the API server fails everything.
  api.failNext(60, 500)
  faults++
  api.cutWatches()
  let sawNotReady = false
  await waitFor('/readyz 503', async () => { const s = await readyz(mapper.url); if (s === 503) sawNotReady = true; return sawNotReady ? true : undefined }, 20_000, 50)
  setPodIp(NIGHTLY_POD, IP.checkout)
  setPodIp(CHECKOUT_POD, '10.1.0.51')
  await untilReady(60_000)
  assert.ok(sawNotReady, 'readiness reflected the failing informers')
  await waitFor('the old checkout IP resolves to the Job\'s CronJob', async () => {
    const callers = await callerOf(IP.checkout)
    return callers.includes('CronJob/nightly') ? true : undefined
  }, 15_000, 300)
  assert.deepEqual(await callerOf('10.1.0.51'), ['CronJob/nightly', 'Deployment/checkout'])
  const restarts = mapper.logs.filter((l) => l.includes('restarting after backoff') || l.includes('retrying after backoff')).length
  assert.ok(restarts > 0, 'the failures were logged as backoff restarts')
  figures.push(`60 requests answered 500 (+ watches cut): /readyz 503 then 200, ${restarts} backoff restarts logged`)
})

test('history expired (410 Gone on resume): informers relist, and the map is right after', async () => {
  setPodIp(CHECKOUT_POD, '10.1.0.52')
  api.expireHistory()
  api.cutWatches()
  faults++
  const listsBefore = api.requestCount('/api/v1/pods')
  await waitFor('pods relisted', async () => api.requestCount('/api/v1/pods') > listsBefore ? true : undefined, 20_000, 100)
  await untilReady(30_000)
  await waitFor('checkout at 10.1.0.52', async () => (await callerOf('10.1.0.52')).includes('Deployment/checkout') ? true : undefined, 15_000, 300)
  figures.push('410 Gone on resume: relisted')
})

test('a stalled watch (headers, then nothing): the stall detector (--informer-stall-timeout) turns /readyz 503, the map is served throughout, and it recovers by itself', async () => {
  const stallsBefore = mapper.logs.filter((l) => l.includes('informer watch stalled')).length
  const watchesBefore = api.openWatches()
  api.stallWatches(true)
  faults++
  const stalledAt = Date.now()
  setPodIp(CHECKOUT_POD, '10.1.0.53') // not delivered by the stalled watch (the detector's restart re-lists it)
  let mapServed = 0
  let notReadyAt: number | undefined
  await waitFor('/readyz 503 from the stall detector', async () => {
    const res = await fetch(`${mapper.url}/api/v1/map`)
    assert.equal(res.status, 200, 'the map is served while the watches are stalled')
    await res.text()
    mapServed++
    if ((await readyz(mapper.url)) === 503) notReadyAt = Date.now()
    return notReadyAt
  }, STALL_TIMEOUT_S * 1000 + 20_000, 100)
  const detectedAfterMs = (notReadyAt ?? 0) - stalledAt
  // Not before the timeout: healthy bookmarks were arriving every second until the stall began.
  assert.ok(detectedAfterMs >= STALL_TIMEOUT_S * 1000 - 1000, `stall reported after ${detectedAfterMs} ms, before the ${STALL_TIMEOUT_S} s timeout`)
  const stalls = mapper.logs.filter((l) => l.includes('informer watch stalled')).length - stallsBefore
  assert.ok(stalls > 0, 'the stall was logged')
  // Events flow again; nobody cuts the watches: the detector restarts them on its own.
  api.stallWatches(false)
  const notReadyPolls = await untilReady(STALL_TIMEOUT_S * 1000 + 30_000)
  // Ready means every informer has listed; its watch may open a moment later.
  await waitFor('watches reopened', async () => api.openWatches() >= watchesBefore ? true : undefined, 10_000, 100)
  await waitFor('checkout at 10.1.0.53', async () => (await callerOf('10.1.0.53')).includes('Deployment/checkout') ? true : undefined, 15_000, 300)
  figures.push(`stalled watches (--informer-stall-timeout ${STALL_TIMEOUT_S}s, no cut): /readyz 503 after ${(detectedAfterMs / 1000).toFixed(1)} s, ${stalls} stalls logged, map served ${mapServed}x throughout, ready again by itself (${notReadyPolls} polls not ready after the stall ended)`)
  recordFigure({
    area: 'faults',
    test: 'Kubernetes API faults against the real mapper process',
    figure: `${faults} fault rounds (${figures.join('; ')}); after each, a pod IP changed during the fault resolved to its new owner`,
    faults,
    file: 'test/reliability/k8s-faults.test.ts'
  })
})
