import { test, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KubernetesObject } from '@kubernetes/client-node'
import { createLogger } from '../../../src/log/logger.js'
import { startInformers, type InformerSet, type KindName } from '../../../mapper/kube/informers.js'
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from '../../testbed/fake-apiserver.js'

class RecordingSink {
  readonly objects = new Map<string, KubernetesObject>()
  /** The objects as handed over (the informer's cached ones). */
  readonly raw = new Map<string, KubernetesObject>()
  readonly ops: Array<[string, KindName, string]> = []
  throwOn: string | undefined
  upsert (kind: KindName, obj: KubernetesObject, at: number): void {
    assert.ok(Number.isInteger(at) && at > 0)
    const key = `${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`
    this.ops.push(['upsert', kind, key])
    if (this.throwOn === key) throw new Error('sink exploded')
    this.objects.set(key, structuredClone(obj)) // the informer cuts its own copy down once this returns
    this.raw.set(key, obj)
  }

  remove (kind: KindName, obj: KubernetesObject): void {
    const key = `${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`
    this.ops.push(['remove', kind, key])
    this.objects.delete(key)
  }

  has (key: string): boolean { return this.objects.has(key) }
}

/** Polls `pred` every 20 ms for at most `ms`. */
async function waitFor (what: string, pred: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const pod = (namespace: string, name: string, ip = '10.1.0.9'): KubeObj =>
  ({ kind: 'Pod', metadata: { name, namespace, labels: { app: name } }, spec: { nodeName: 'node-a' }, status: { podIP: ip } })

let api: FakeApiServer | undefined
let informers: InformerSet | undefined
let dir: string | undefined
const logLines: string[] = []
const log = createLogger({ level: 'debug', component: 'test', destination: { write: (s: string) => { logLines.push(s) } } })

afterEach(async () => {
  await informers?.stop()
  await api?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
  informers = undefined
  api = undefined
  dir = undefined
  logLines.length = 0
})

async function setUp (opts: { kinds?: KindName[], stallTimeoutMs?: number, objects?: KubeObj[], pollIntervalMs?: number } = {}): Promise<{ api: FakeApiServer, sink: RecordingSink }> {
  api = await startFakeApiServer({ bookmarkIntervalMs: 100 })
  api.load(opts.objects ?? [pod('shop', 'web-1'), pod('shop', 'cart-1')])
  dir = await mkdtemp(join(tmpdir(), 'informers-'))
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
  const sink = new RecordingSink()
  informers = await startInformers({
    kubeConfig: loadKubeConfig({ paths: join(dir, 'kubeconfig'), otherwise: 'in-cluster' }),
    sink,
    log,
    backoffInitialMs: 50,
    backoffMaxMs: 400,
    stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
    ...(opts.kinds ? { kinds: opts.kinds } : {})
  })
  return { api, sink }
}

test('initial sync delivers every object of every kind to the sink', async () => {
  const objects: KubeObj[] = [
    { kind: 'Namespace', metadata: { name: 'shop' } },
    { kind: 'Node', metadata: { name: 'node-a' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } },
    pod('shop', 'web-1'),
    { kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10' } },
    { kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop' }, addressType: 'IPv4', endpoints: [] },
    { kind: 'ReplicaSet', metadata: { name: 'web-5d9', namespace: 'shop' } },
    { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
    { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' } },
    { kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop' } },
    { kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' } },
    { kind: 'CronJob', metadata: { name: 'nightly', namespace: 'shop' } },
    { kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop' } }
  ]
  const { sink } = await setUp({ objects })
  assert.equal(sink.objects.size, objects.length)
  for (const o of objects) assert.ok(sink.has(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`), `${o.kind} ${o.metadata.name} delivered`)
  const p = sink.objects.get('Pod/shop/web-1') as KubeObj
  assert.equal(p.kind, 'Pod', 'list items get their kind back')
  assert.equal(typeof p.metadata.creationTimestamp, 'string', 'plain JSON, as watch events are')
  // Once the sink has read it, the informer's cached object keeps only its identity (slim-object.ts);
  // a NetworkPolicy, which the index keeps as it is, stays whole.
  const cached = sink.raw.get('Pod/shop/web-1') as KubeObj
  assert.deepEqual(Object.keys(cached.metadata).sort(), ['name', 'namespace', 'resourceVersion', 'uid'])
  assert.equal(cached.spec, undefined)
  assert.equal(cached.status, undefined)
  assert.equal((sink.raw.get('NetworkPolicy/shop/deny') as KubeObj).metadata.creationTimestamp !== undefined, true)
  assert.equal(informers?.synced(), true)
  const status = informers!.status()
  assert.equal(Object.keys(status).length, 12)
  assert.ok(Object.values(status).every((s) => s.synced && s.restarts === 0 && s.lastEventAt !== undefined))
})

test('adds, updates and deletes after start reach the sink in order', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod', 'Service'] })
  api.add(pod('shop', 'new-1'))
  await waitFor('new pod', () => sink.has('Pod/shop/new-1'))
  api.update(pod('shop', 'new-1', '10.1.0.77'))
  await waitFor('pod update', () => (sink.objects.get('Pod/shop/new-1') as { status?: { podIP?: string } } | undefined)?.status?.podIP === '10.1.0.77')
  api.remove({ kind: 'Pod', namespace: 'shop', name: 'new-1' })
  await waitFor('pod delete', () => !sink.has('Pod/shop/new-1'))
  const mine = sink.ops.filter(([, , key]) => key === 'Pod/shop/new-1').map(([op]) => op)
  assert.deepEqual(mine, ['upsert', 'upsert', 'remove'])
})

test('after cutWatches the informers re-watch and later changes still arrive', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod', 'Service'] })
  await waitFor('watches open', () => api.openWatches() === 2)
  assert.equal(api.cutWatches(), 2)
  api.add(pod('shop', 'during-cut'))
  await waitFor('change made during the cut', () => sink.has('Pod/shop/during-cut'))
  api.add(pod('shop', 'after-cut'))
  await waitFor('change after the cut', () => sink.has('Pod/shop/after-cut'))
  assert.ok(informers!.status().Pod.restarts >= 1)
  await waitFor('ready again', () => informers!.synced())
})

test('after failNext(3) the informers back off, recover, and changes arrive', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod', 'Service'] })
  await waitFor('watches open', () => api.openWatches() === 2)
  const watchesBefore = api.requestCount('/api/v1/pods', { watch: true })
  api.failNext(3)
  api.cutWatches()
  await waitFor('a failure is visible', () => !informers!.synced())
  assert.match(informers!.status().Pod.lastError ?? informers!.status().Service.lastError ?? '', /500|broke off/)
  api.add(pod('shop', 'after-failures'))
  await waitFor('change after failures', () => sink.has('Pod/shop/after-failures'))
  await waitFor('ready again', () => informers!.synced())
  assert.ok(api.requestCount('/api/v1/pods', { watch: true }) > watchesBefore + 1, 'the pod watch was retried')
  assert.ok(logLines.some((l) => l.includes('restarting after backoff')))
})

test('after 410 Gone the informer re-lists, and deletions missed meanwhile reach the sink', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod'], stallTimeoutMs: 400 })
  await waitFor('watch open', () => api.openWatches() === 1)
  const listsBefore = api.requestCount('/api/v1/pods')
  api.stallWatches(true)
  api.add(pod('shop', 'missed-add'))
  api.remove({ kind: 'Pod', namespace: 'shop', name: 'cart-1' })
  api.expireHistory()
  await waitFor('stall detected', () => informers!.status().Pod.stale)
  api.stallWatches(false)
  await waitFor('missed add arrives via re-list', () => sink.has('Pod/shop/missed-add'))
  await waitFor('missed delete arrives via re-list', () => !sink.has('Pod/shop/cart-1'))
  assert.ok(api.requestCount('/api/v1/pods') > listsBefore, 'the informer listed again')
  assert.ok(logLines.some((l) => l.includes('watch sent an ERROR event') && l.includes('"code":410')), 'the watch got 410 Gone')
  api.add(pod('shop', 'after-relist'))
  await waitFor('watch resumes after the re-list', () => sink.has('Pod/shop/after-relist'))
})

test('a stalled watch is detected, readiness drops, and the restarted watch catches up', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod'], stallTimeoutMs: 400 })
  await waitFor('watch open', () => api.openWatches() === 1)
  api.stallWatches(true)
  api.add(pod('shop', 'while-stalled'))
  await waitFor('stall detected', () => informers!.status().Pod.stale)
  assert.equal(informers!.synced(), false)
  assert.equal(sink.has('Pod/shop/while-stalled'), false)
  assert.match(informers!.status().Pod.lastError ?? '', /stalled/)
  api.stallWatches(false)
  await waitFor('change arrives after the restart', () => sink.has('Pod/shop/while-stalled'))
  await waitFor('ready again', () => informers!.synced())
  assert.ok(informers!.status().Pod.restarts >= 1)
})

test('watching refused (list allowed): the kind is polled by re-listing, changes arrive, and the informer watches again once allowed', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod'], pollIntervalMs: 300 })
  await waitFor('watch open', () => api.openWatches() === 1)
  api.refuseWatches(Infinity)
  api.cutWatches()
  await waitFor('polling', () => informers!.status().Pod.polling !== undefined)
  assert.equal(informers!.ready(), true, 'a polled kind still serves')
  const listsBefore = api.requestCount('/api/v1/pods')
  api.add(pod('shop', 'while-polled'))
  api.remove({ kind: 'Pod', namespace: 'shop', name: 'cart-1' })
  await waitFor('an add made while polled arrives by a re-list', () => sink.has('Pod/shop/while-polled'))
  await waitFor('a delete made while polled arrives by a re-list', () => !sink.has('Pod/shop/cart-1'))
  assert.ok(api.requestCount('/api/v1/pods') > listsBefore, 'the informer listed again')
  api.refuseWatches(0)
  await waitFor('watching again', () => api.openWatches() === 1 && informers!.status().Pod.polling === undefined)
  assert.ok(logLines.some((l) => l.includes('serves watches of Pod objects again')))
  api.add(pod('shop', 'after-polling'))
  await waitFor('a change arrives by the watch', () => sink.has('Pod/shop/after-polling'))
})

test('regression: a watch refused once (an API server just restarted, its RBAC cache cold) is watched again within a second, not a poll interval', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod'], pollIntervalMs: 60_000 })
  await waitFor('watch open', () => api.openWatches() === 1)
  api.refuseWatches(1)
  api.cutWatches()
  await waitFor('the refusal seen', () => logLines.some((l) => l.includes('cannot watch Pod objects')))
  await waitFor('watching again', () => api.openWatches() === 1 && informers!.status().Pod.polling === undefined, 3000)
  api.add(pod('shop', 'after-restart'))
  await waitFor('a new pod arrives at once', () => sink.has('Pod/shop/after-restart'), 3000)
})

test('a throwing sink is logged and does not break the informer', async () => {
  const { api, sink } = await setUp({ kinds: ['Pod'] })
  sink.throwOn = 'Pod/shop/bad'
  api.add(pod('shop', 'bad'))
  api.add(pod('shop', 'good'))
  await waitFor('later object still arrives', () => sink.has('Pod/shop/good'))
  assert.ok(logLines.some((l) => l.includes('sink upsert failed')))
})

test('startInformers keeps retrying until the API server answers', async () => {
  api = await startFakeApiServer()
  api.load([pod('shop', 'web-1')])
  dir = await mkdtemp(join(tmpdir(), 'informers-'))
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
  api.failNext(4, 503)
  const sink = new RecordingSink()
  informers = await startInformers({ kubeConfig: loadKubeConfig({ paths: join(dir, 'kubeconfig'), otherwise: 'in-cluster' }), sink, log, backoffInitialMs: 20, backoffMaxMs: 100, kinds: ['Pod'] })
  assert.ok(sink.has('Pod/shop/web-1'))
  assert.equal(logLines.filter((l) => l.includes('cannot list from the API server yet')).length, 4)
})

test('startInformers against an unreachable server rejects when its signal aborts', async () => {
  // Grab a free port, then close it: nothing listens there.
  const probe = await startFakeApiServer()
  dir = await mkdtemp(join(tmpdir(), 'informers-'))
  await probe.writeKubeconfig(join(dir, 'kubeconfig'))
  await probe.close()
  const start = startInformers({
    kubeConfig: loadKubeConfig({ paths: join(dir, 'kubeconfig'), otherwise: 'in-cluster' }),
    sink: new RecordingSink(),
    log,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    kinds: ['Pod', 'Node'],
    signal: AbortSignal.timeout(500)
  })
  await assert.rejects(start, /timeout|abort/i)
  assert.ok(logLines.some((l) => l.includes('ECONNREFUSED')), 'the log says why')
})

test('stop() closes every watch and leaves no sockets open', async () => {
  const { api: server } = await setUp()
  await waitFor('all watches open', () => server.openWatches() === 12)
  await informers!.stop()
  informers = undefined
  await waitFor('server sees the watches close', () => server.openWatches() === 0)
  await server.close()
  api = undefined
  await waitFor('no TCP handles left', () => !process.getActiveResourcesInfo().some((r) => r.startsWith('TCP')), 2000)
})
