/**
 * Degrade, never block (issue #11), on the real control plane with the chart installed by helm and
 * the mapper on its ServiceAccount's token: with the chart's ClusterRole minus NetworkPolicies, and
 * minus `watch` on Jobs, the mapper still starts, serves and maps what it can, and says which kind
 * is missing and why (/readyz detail, podmap_mapper_informer_up{kind}, one log line naming the
 * permission); only Pods hold readiness; shadow mode says it cannot see NetworkPolicies. With the
 * API server down at start the stored map is served at once, reports are accepted, and they are
 * resolved once the API server is back.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startStack, waitFor, type Stack } from './stack.js'
import { makeShopCalls, runClient } from './traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'

let stack: Stack
const ROLE = '/apis/rbac.authorization.k8s.io/v1/clusterroles/podmap-mapper'
interface Rule { apiGroups: string[], resources: string[], verbs: string[] }
let chartRules: Rule[] = []

before(async () => {
  stack = await startStack()
  chartRules = (await stack.cluster.cp.client.get<{ rules: Rule[] }>(ROLE)).rules
})

after(async () => { await stack?.stop() })

async function setRules (rules: Rule[]): Promise<void> {
  await stack.cluster.cp.client.request('PATCH', ROLE, { rules }, { contentType: 'application/merge-patch+json' })
}

const shopEdges = async (): Promise<string[]> => {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map?namespace=shop,batch,db`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges.map((e: Edge) => `${e.client.kind} ${e.client.name} > ${e.server.kind} ${e.server.name}`).sort()
}

async function readyz (): Promise<{ status: number, body: string }> {
  const res = await fetch(`${stack.mapperUrl}/readyz`)
  return { status: res.status, body: await res.text() }
}

async function informerUp (kind: string): Promise<number> {
  const text = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
  return Number(new RegExp(`^podmap_mapper_informer_up\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
}

test('the chart\'s ClusterRole minus NetworkPolicies: the mapper starts, is ready, maps, and names what is missing', async () => {
  await setRules(chartRules.filter((r) => !r.resources.includes('networkpolicies')))
  try {
    await stack.restartMapper('SIGTERM', 'healthy')
    await waitFor('/readyz 200 without NetworkPolicies', async () => (await readyz()).status === 200 ? true : undefined, 30_000)
    const r = await readyz()
    assert.match(r.body, /NetworkPolicy/)
    assert.match(r.body, /forbidden/i)
    assert.equal(await informerUp('NetworkPolicy'), 0)
    assert.equal(await informerUp('Pod'), 1)
    assert.ok(stack.logs.mapper.some((l) => /networkpolicies/.test(l) && /list|watch/.test(l) && /forbidden|permission|RBAC/i.test(l)), 'one log line names the missing permission')
    await makeShopCalls(stack.cluster, stack.shop)
    await waitFor('the shop mapped without NetworkPolicies', async () => (await shopEdges()).length === 3 ? true : undefined, 30_000, 500)
    const shadow = await (await fetch(`${stack.mapperUrl}/api/v1/shadow?namespace=shop,batch,db`)).text()
    assert.match(shadow, /NetworkPolic(y|ies)/, 'shadow mode says it cannot see NetworkPolicies')
  } finally {
    await setRules(chartRules)
  }
})

test('the chart\'s ClusterRole minus `watch` on Jobs: the mapper starts and says the Job informer is down for want of watch', async () => {
  await setRules(chartRules.map((r) => r.resources.includes('jobs')
    ? { ...r, resources: r.resources.filter((x) => x !== 'jobs') }
    : r).concat([{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] }]))
  try {
    await stack.restartMapper('SIGTERM', 'healthy')
    await waitFor('/readyz 200 without watch on Jobs', async () => (await readyz()).status === 200 ? true : undefined, 30_000)
    assert.match((await readyz()).body, /Job/)
    assert.equal(await informerUp('Job'), 0)
    assert.ok(stack.logs.mapper.some((l) => /jobs/.test(l) && /watch/.test(l)), 'one log line names watch on jobs')
    await runClient(stack.cluster, { pod: stack.shop.checkout, host: 'orders.shop.svc.cluster.local', port: 80 })
    await waitFor('checkout -> orders mapped', async () => (await shopEdges()).includes('Deployment checkout > Deployment orders') ? true : undefined, 30_000, 500)
  } finally {
    await setRules(chartRules)
  }
})

test('the API server down when the mapper starts: the stored map is served, reports are accepted, and resolved once it is back', async () => {
  await makeShopCalls(stack.cluster, stack.shop)
  await waitFor('the shop in the stored map', async () => (await shopEdges()).length >= 3 ? true : undefined, 30_000, 500)
  const stored = await shopEdges()
  // The pods' addresses, read while the API server still answers.
  const nightly = await stack.cluster.pod(stack.shop.nightly)
  const orders = await stack.cluster.pod(stack.shop.orders)
  stack.cluster.cp.processes()['kube-apiserver']?.kill('SIGKILL')
  await stack.restartMapper('SIGTERM', 'healthy')
  assert.deepEqual(await shopEdges(), stored, 'the stored map, served before any informer synced')
  assert.equal((await readyz()).status, 503)
  // A new call, reported while the API server is down: accepted (200), resolved later.
  const now = Date.now()
  const res = await fetch(`${stack.mapperUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({ version: 1, node: nightly.nodeName, sentAt: now, dns: [], sockets: [{ client: nightly.ipv4, server: orders.ipv4, port: 8080, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] })
  })
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { held?: boolean }).held, true, 'held until the informers catch up')
  await stack.cluster.cp.restartApiserver()
  try {
    await waitFor('the report resolved once the informers caught up', async () => (await shopEdges()).includes('CronJob nightly > Deployment orders') ? true : undefined, 60_000, 500)
  } catch (err) {
    console.log('DIAG', JSON.stringify(await shopEdges()), (await readyz()).body.slice(0, 3000))
    console.log(stack.logs.mapper.slice(-40).join('\n'))
    throw err
  }
  await waitFor('/readyz 200 again', async () => (await readyz()).status === 200 ? true : undefined, 60_000)
})
