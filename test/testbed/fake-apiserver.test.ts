import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { request, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from './fake-apiserver.js'

const run = promisify(execFile)
const KUBECTL = join(import.meta.dirname, '..', '..', '.tools', 'bin', 'kubectl')

let api: FakeApiServer
let dir: string

const pod = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObj =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { nodeName: 'node-a' }, status: { podIP: '10.1.0.9' } })

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-apiserver-'))
  api = await startFakeApiServer({ bookmarkIntervalMs: 100 })
  api.load([
    { kind: 'Namespace', metadata: { name: 'shop' } },
    { kind: 'Namespace', metadata: { name: 'ops' } },
    pod('shop', 'web-1', { app: 'web' }),
    pod('shop', 'cart-1', { app: 'cart' }),
    pod('ops', 'probe-1', { app: 'probe' }),
    { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1 } },
    { kind: 'Deployment', metadata: { name: 'cart', namespace: 'shop' }, spec: { replicas: 2 } },
    { kind: 'Deployment', metadata: { name: 'probe', namespace: 'ops' }, spec: { replicas: 1 } }
  ])
  await api.writeKubeconfig(join(dir, 'kubeconfig'))
})

after(async () => {
  await api.close()
  await rm(dir, { recursive: true, force: true })
})

async function kubectl (...args: string[]): Promise<unknown> {
  assert.ok(existsSync(KUBECTL), `${KUBECTL} is missing: run \`npm run setup\` (scripts/install-kube-tools.sh) first`)
  const { stdout } = await run(KUBECTL, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 })
  return JSON.parse(stdout)
}

async function getJson (path: string): Promise<{ status: number, body: any }> {
  const res = await fetch(api.url + path)
  return { status: res.status, body: await res.json() }
}

/** A raw watch: lines are queued; `next()` waits (bounded) for the next one. */
function openWatch (path: string): Promise<{ next: (timeoutMs?: number) => Promise<any>, ended: Promise<void>, close: () => void, res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(api.url + path, (res) => {
      assert.equal(res.statusCode, 200)
      const queue: any[] = []
      let wake: (() => void) | undefined
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n')) >= 0) { queue.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1) }
        wake?.()
      })
      res.on('error', () => {})
      const ended = new Promise<void>((resolve) => res.on('close', () => { wake?.(); resolve() }))
      const next = async (timeoutMs = 5000): Promise<any> => {
        const deadline = Date.now() + timeoutMs
        while (queue.length === 0) {
          if (Date.now() > deadline || res.destroyed || res.complete) return undefined
          await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50).unref() })
        }
        return queue.shift()
      }
      resolve({ next, ended, close: () => req.destroy(), res })
    })
    req.on('error', reject)
    req.end()
  })
}

test('real kubectl lists pods in all namespaces as JSON', async () => {
  const out = await kubectl('get', 'pods', '-A', '-o', 'json') as { items: KubeObj[] }
  const names = out.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()
  assert.deepEqual(names, ['ops/probe-1', 'shop/cart-1', 'shop/web-1'])
  assert.ok(out.items.every((p) => p.kind === 'Pod' && p.apiVersion === 'v1'))
  assert.ok(out.items.every((p) => typeof p.metadata.uid === 'string' && typeof p.metadata.resourceVersion === 'string'))
})

test('real kubectl lists deployments of one namespace as JSON', async () => {
  const out = await kubectl('get', 'deployments', '-n', 'shop', '-o', 'json') as { items: KubeObj[] }
  assert.deepEqual(out.items.map((d) => d.metadata.name).sort(), ['cart', 'web'])
  assert.ok(out.items.every((d) => d.kind === 'Deployment' && d.apiVersion === 'apps/v1'))
  const one = await kubectl('get', 'deployment', 'cart', '-n', 'shop', '-o', 'json') as KubeObj
  assert.equal((one.spec as { replicas: number }).replicas, 2)
})

test('lists look like the real server: <Kind>List, resourceVersion, items without kind', async () => {
  const { status, body } = await getJson('/api/v1/namespaces/shop/pods')
  assert.equal(status, 200)
  assert.equal(body.kind, 'PodList')
  assert.equal(body.apiVersion, 'v1')
  assert.equal(body.metadata.resourceVersion, String(api.resourceVersion()))
  assert.deepEqual(body.items.map((p: KubeObj) => p.metadata.name), ['cart-1', 'web-1'])
  assert.equal(body.items[0].kind, undefined)
})

test('label and field selectors filter lists; unknown fields are a 400', async () => {
  const byLabel = await getJson('/api/v1/pods?labelSelector=' + encodeURIComponent('app!=web'))
  assert.deepEqual(byLabel.body.items.map((p: KubeObj) => p.metadata.name), ['probe-1', 'cart-1'])
  const byField = await getJson('/api/v1/pods?fieldSelector=' + encodeURIComponent('metadata.namespace=shop,metadata.name=web-1'))
  assert.deepEqual(byField.body.items.map((p: KubeObj) => p.metadata.name), ['web-1'])
  const bad = await getJson('/api/v1/pods?fieldSelector=spec.nodeName%3Dx')
  assert.equal(bad.status, 400)
  assert.equal(bad.body.kind, 'Status')
})

test('limit and continue page through a list', async () => {
  const first = await getJson('/api/v1/pods?limit=2')
  assert.equal(first.body.items.length, 2)
  assert.equal(typeof first.body.metadata.continue, 'string')
  const rest = await getJson('/api/v1/pods?limit=2&continue=' + encodeURIComponent(first.body.metadata.continue))
  assert.equal(rest.body.items.length, 1)
  assert.equal(rest.body.metadata.continue, undefined)
})

test('a watch delivers ADDED, MODIFIED, DELETED in order, then 410 after history expires', async () => {
  const from = api.resourceVersion()
  const w = await openWatch(`/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${from}`)
  api.add(pod('shop', 'new-1'))
  api.add(pod('ops', 'elsewhere'))
  api.update({ ...pod('shop', 'new-1'), status: { podIP: '10.1.0.10' } })
  api.remove({ kind: 'Pod', namespace: 'shop', name: 'new-1' })
  const events = [await w.next(), await w.next(), await w.next()]
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'new-1'], ['MODIFIED', 'new-1'], ['DELETED', 'new-1']])
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion))
  assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `resourceVersions increase: ${rvs.join(',')}`)
  assert.equal(events[1].object.status.podIP, '10.1.0.10')
  w.close()

  // Resuming from the old version replays the same history.
  const replay = await openWatch(`/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${from}`)
  assert.equal((await replay.next()).type, 'ADDED')
  replay.close()

  api.expireHistory()
  const gone = await openWatch(`/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${from}`)
  const err = await gone.next()
  assert.equal(err.type, 'ERROR')
  assert.equal(err.object.kind, 'Status')
  assert.equal(err.object.code, 410)
  assert.equal(err.object.reason, 'Expired')
  await gone.ended
  assert.equal(await gone.next(), undefined, 'the stream ends after 410')
})

test('a watch from resourceVersion 0 starts with the current state; bookmarks when asked', async () => {
  const w = await openWatch('/apis/apps/v1/namespaces/ops/deployments?watch=true&resourceVersion=0&allowWatchBookmarks=true')
  const first = await w.next()
  assert.deepEqual([first.type, first.object.metadata.name], ['ADDED', 'probe'])
  const bookmark = await w.next()
  assert.equal(bookmark.type, 'BOOKMARK')
  assert.equal(bookmark.object.metadata.resourceVersion, String(api.resourceVersion()))
  w.close()
})

test('fault injection: failNext, cutWatches, stallWatches, request counters', async () => {
  const before = api.requestCount('/api/v1/namespaces')
  api.failNext(2, 503)
  assert.equal((await getJson('/api/v1/namespaces')).status, 503)
  const second = await getJson('/api/v1/namespaces')
  assert.equal(second.status, 503)
  assert.equal(second.body.reason, 'ServiceUnavailable')
  assert.equal((await getJson('/api/v1/namespaces')).status, 200)
  assert.equal(api.requestCount('/api/v1/namespaces'), before + 3)

  const w = await openWatch(`/api/v1/pods?watch=true&resourceVersion=${api.resourceVersion()}`)
  assert.equal(api.openWatches(), 1)
  assert.equal(api.requestCount('/api/v1/pods', { watch: true }) >= 1, true)
  assert.equal(api.cutWatches(), 1)
  await w.ended
  assert.equal(w.res.complete, false, 'a cut watch does not end cleanly')

  api.stallWatches(true)
  const stalled = await openWatch(`/api/v1/pods?watch=true&resourceVersion=${api.resourceVersion()}&allowWatchBookmarks=true`)
  api.add(pod('shop', 'unseen'))
  assert.equal(await stalled.next(600), undefined, 'a stalled watch delivers nothing, not even bookmarks')
  stalled.close()
  api.stallWatches(false)
  api.remove({ kind: 'Pod', namespace: 'shop', name: 'unseen' })
})

test('timeoutSeconds ends a watch cleanly', async () => {
  const w = await openWatch(`/api/v1/nodes?watch=true&resourceVersion=${api.resourceVersion()}&timeoutSeconds=1`)
  await w.ended
  assert.equal(w.res.complete, true)
})
