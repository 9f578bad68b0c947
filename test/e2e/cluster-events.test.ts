/**
 * Real-world events on the real control plane while calls go on: a Deployment rollout (new
 * ReplicaSet, pods replaced, the freed pod address then taken by a pod of another workload), a
 * CronJob firing on its schedule, a StatefulSet scaled, a namespace deleted, the API server's
 * watch bookmarks reaching the mapper's informers, and etcd compacted with the API server restarted
 * (as in an upgrade: every watch cut, resumed from a compacted resourceVersion: 410 Gone). Every
 * call lands on the workload that made it; no edge to a wrong workload.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startStack, waitFor, type Stack } from './stack.js'
import { runClient } from './traffic.js'
import { mapResponseSchema, type Edge } from '../../src/contract/map.js'
import { cronJob, deployment, IDLE, namespace, nodeCommand, PROGRAM, toYaml } from '../testbed/cluster/manifests.js'

let stack: Stack
const NS = 'shop,batch,db,other,temp'

before(async () => {
  stack = await startStack()
  await stack.cluster.apply(toYaml([namespace('other')]))
})

after(async () => { await stack?.stop() })

const key = (e: Edge): string => `${e.client.kind} ${e.client.namespace ?? ''}/${e.client.name} > ${e.server.kind} ${e.server.namespace ?? ''}/${e.server.name} ${e.ports.map((p) => p.port).join(',')}`

async function edges (): Promise<string[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/map?namespace=${NS}`)
  assert.equal(res.status, 200)
  return mapResponseSchema.parse(await res.json()).edges.map(key).sort()
}

async function expectEdges (what: string, expected: string[]): Promise<void> {
  const want = [...expected].sort()
  let last: string[] = []
  try {
    await waitFor(what, async () => { last = await edges(); return JSON.stringify(last) === JSON.stringify(want) ? true : undefined }, 60_000, 500)
  } catch (err) {
    assert.deepEqual(last, want, `${(err as Error).message}\n${await stack.diagnose()}`)
  }
}

const ORDERS = 'Deployment shop/orders 8080'
const CALLS: string[] = []

test('a rollout while checkout calls orders, then the freed address taken by another workload\'s pod: each call on its own workload', async () => {
  const c = stack.cluster
  const old = await c.pod(stack.shop.orders)
  // Calls through the Service before, during and after the rollout.
  let calling = true
  const loop = (async () => {
    while (calling) await runClient(c, { pod: stack.shop.checkout, host: 'orders.shop.svc.cluster.local', port: 80, holdMs: 300 }).catch(() => undefined)
  })()
  const set = await c.kubectl(['set', 'env', '-n', 'shop', 'deployment/orders', 'ROLLOUT=2'])
  assert.equal(set.code, 0, set.stderr)
  const status = await c.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/orders', '--timeout=90s'], { timeoutMs: 100_000 })
  assert.equal(status.code, 0, status.stderr + status.stdout)
  await c.waitFor('the old orders pod gone', async () => (await c.pods('shop', 'app=orders')).every((p) => p.uid !== old.uid) ? true : undefined, 60_000)
  calling = false
  await loop
  const now = (await c.pods('shop', 'app=orders')).filter((p) => p.ready)
  assert.equal(now.length, 1)
  assert.notEqual(now[0]?.labels['pod-template-hash'], old.labels['pod-template-hash'], 'a new ReplicaSet')
  // Another workload's pod on the old pod's node takes the lowest free address: the old pod's.
  const intruder = deployment('intruder', 'other', { labels: { app: 'intruder' }, command: nodeCommand(PROGRAM.tcpServer, '--tcp', '8080') })
  ;((intruder.spec as { template: { spec: Record<string, unknown> } }).template.spec).nodeName = old.nodeName
  await c.apply(toYaml([intruder]))
  const pod = await c.waitFor('the intruder running', async () => (await c.pods('other', 'app=intruder')).find((p) => p.ready), 60_000)
  assert.equal(pod.ipv4, old.ipv4, 'the freed address was taken again')
  await runClient(c, { pod: stack.shop.nightly, host: pod.ipv4, port: 8080, holdMs: 1500 })
  CALLS.push('Deployment shop/checkout > Deployment shop/orders 8080', 'CronJob batch/nightly > Deployment other/intruder 8080')
  await expectEdges('checkout -> orders and nightly -> intruder only', CALLS)
})

test('a CronJob fires on its schedule: its Job\'s pod calls orders and the call is the CronJob\'s', async () => {
  const c = stack.cluster
  await c.apply(toYaml([cronJob('ticker', 'batch', '* * * * *', { labels: { app: 'ticker' }, command: nodeCommand(PROGRAM.client, '--host', 'orders.shop.svc.cluster.local', '--port', '80', '--hold', '2500') })]))
  await c.waitFor('a Job made by the CronJob controller, succeeded', async () => {
    const pods = await c.pods('batch', 'app=ticker')
    return pods.some((p) => p.phase === 'Succeeded' && p.ownerReferences[0]?.kind === 'Job') ? true : undefined
  }, 120_000, 1000)
  await c.kubectl(['patch', 'cronjob', '-n', 'batch', 'ticker', '-p', '{"spec":{"suspend":true}}'])
  CALLS.push('CronJob batch/ticker > Deployment shop/orders 8080')
  await expectEdges('the ticker\'s call', CALLS)
})

test('a StatefulSet scaled up and down: the new replica\'s calls and answers are the StatefulSet\'s', async () => {
  const c = stack.cluster
  assert.equal((await c.kubectl(['scale', '-n', 'db', 'statefulset/ledger', '--replicas=2'])).code, 0)
  await c.waitFor('ledger-1 ready', async () => (await c.pods('db', 'app=ledger')).filter((p) => p.ready).length === 2 ? true : undefined, 60_000)
  await runClient(c, { pod: stack.shop.checkout, host: 'ledger-1.ledger.db.svc.cluster.local', port: 7000 })
  assert.equal((await c.kubectl(['scale', '-n', 'db', 'statefulset/ledger', '--replicas=1'])).code, 0)
  await c.waitFor('ledger-1 gone', async () => (await c.pods('db', 'app=ledger')).length === 1 ? true : undefined, 60_000)
  CALLS.push('Deployment shop/checkout > StatefulSet db/ledger 7000')
  await expectEdges('checkout -> ledger-1 as the StatefulSet', CALLS)
})

test('a namespace deleted while its workload calls: its calls stay its own, and nothing lands elsewhere', async () => {
  const c = stack.cluster
  await c.apply(toYaml([namespace('temp'), deployment('caller', 'temp', {
    labels: { app: 'caller' },
    command: ['sh', '-c', `while true; do '${process.execPath}' '${PROGRAM.client}' --host orders.shop.svc.cluster.local --port 80 --hold 300; sleep 0.5; done`]
  })]))
  CALLS.push('Deployment temp/caller > Deployment shop/orders 8080')
  await expectEdges('temp/caller -> orders', CALLS)
  const del = await c.kubectl(['delete', 'namespace', 'temp', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 })
  assert.equal(del.code, 0, del.stderr)
  // After the namespace is gone, the map holds the same calls: none moved to another workload.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  assert.deepEqual(await edges(), [...CALLS].sort())
})

test('bookmarks: a kind with no changes still hears from the API server within its bookmark interval', async () => {
  // The real API server sends a bookmark about once a minute to watches that ask for them.
  await new Promise((resolve) => setTimeout(resolve, 75_000))
  const text = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
  const age = Number(/^podmap_mapper_informer_last_event_age_seconds\{kind="NetworkPolicy"\} (\S+)/m.exec(text)?.[1])
  assert.ok(age < 75, `NetworkPolicy informer last heard ${age} s ago`)
  // A quiet minute changes nothing in the map.
  const quiet = await edges()
  if (JSON.stringify(quiet) !== JSON.stringify([...CALLS].sort())) {
    // Which sessions the servers still hold: a session whose client is gone would keep an edge alive.
    const sessions = await Promise.all((await stack.cluster.pods('shop', 'app=orders')).map(async (p) => (await stack.cluster.exec(`shop/${p.name}`, ['ss', '-tn'])).stdout))
    assert.deepEqual(quiet, [...CALLS].sort(), `orders' sessions:\n${sessions.join('\n')}\n${await stack.diagnose()}`)
  }
})

test('etcd compacted and the API server restarted: the informers re-list (410 Gone), watch again, and a workload made afterwards is mapped right', async () => {
  const c = stack.cluster
  const restartedAt = Date.now()
  await c.cp.compactEtcd()
  await c.cp.restartApiserver()
  // Every kind watches again (none left polling for a watch refused while the API server's RBAC cache was cold).
  const informersUp = async (what: string): Promise<void> => {
    await waitFor(what, async () => {
      const text = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
      const up = [...text.matchAll(/^podmap_mapper_informer_up\{kind="(\w+)"\} (\d+)/gm)]
      return up.length > 0 && up.every((m) => m[2] === '1') && (await fetch(`${stack.mapperUrl}/readyz`)).ok ? true : undefined
    }, 30_000, 500)
  }
  await informersUp('every informer up and /readyz 200 after the restart')
  const since = (l: string): boolean => Date.parse((/"time":"([^"]+)"/.exec(l))?.[1] ?? '') >= restartedAt
  const after = stack.logs.mapper.filter(since)
  // Usually a watch resumed from a compacted resourceVersion gets 410 Gone. When the first re-watch
  // lands while the restarted API server's RBAC cache is still cold it is refused (403) instead,
  // and the kind re-lists all the same: either way each kind listed again.
  assert.ok(after.some((l) => /too old resource version/.test(l)) || after.some((l) => /cannot watch \w+ objects/.test(l)),
    `no 410 Gone and no refused watch after the restart:\n${after.slice(-20).join('\n')}`)
  await c.apply(toYaml([deployment('late', 'other', { labels: { app: 'late' }, command: IDLE })]))
  const late = await c.waitFor('late running', async () => (await c.pods('other', 'app=late')).find((p) => p.ready), 60_000)
  await runClient(c, { pod: `other/${late.name}`, host: 'orders.shop.svc.cluster.local', port: 80 })
  CALLS.push('Deployment other/late > Deployment shop/orders 8080')
  await expectEdges('late -> orders after the compaction', CALLS)
  await informersUp('every informer still up')
})
