/**
 * The control-plane launcher: the real kube-apiserver, kube-controller-manager, kube-scheduler and
 * etcd start on loopback, enforce RBAC, run the controllers, issue ServiceAccount tokens, and lose
 * history to a forced etcd compaction (watches from before get 410); everything is gone after
 * stop(), and a launcher killed with SIGKILL takes its processes with it and is swept after.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { claimRun } from '../owned-run.js'
import { isAlive, sweepStaleTestbeds, statePath } from '../state-registry.js'
import { waitForOutput } from '../wait-for-output.js'
import { pinnedVersions } from './binaries.js'
import { kubeClient, KubeHttpError } from './kube-http.js'
import { startControlPlane, type ControlPlane } from './control-plane.js'

let cp: ControlPlane

before(async () => {
  cp = await startControlPlane({ run: claimRun('cp-test') })
})

after(async () => { await cp?.stop() })

test('the API server is the pinned release and serves the built-in groups', async () => {
  const version = await cp.client.get<{ gitVersion: string }>('/version')
  assert.equal(version.gitVersion, pinnedVersions().K8S_VERSION)
  const groups = await cp.client.get<{ groups: Array<{ name: string }> }>('/apis')
  for (const g of ['apps', 'batch', 'discovery.k8s.io', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io']) {
    assert.ok(groups.groups.some((x) => x.name === g), g)
  }
})

test('RBAC: a ServiceAccount token (TokenRequest) authenticates, and is refused what no role grants', async () => {
  await cp.client.request('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'nobody' } })
  const token = await cp.serviceAccountToken('default', 'nobody')
  const sa = kubeClient({ server: cp.server, ca: cp.caFile, token })
  const review = await sa.request<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })
  assert.equal(review.body.status.userInfo.username, 'system:serviceaccount:default:nobody')
  await assert.rejects(sa.get('/api/v1/pods'), (err: unknown) => err instanceof KubeHttpError && err.status === 403)
  assert.equal((await cp.client.request('GET', '/api/v1/pods')).status, 200)
})

test('the controllers run: a Deployment gets a ReplicaSet (pod-template-hash) and pods owned by it', async () => {
  await cp.client.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x', command: ['true'] }] } } }
  })
  const pods = await waitFor(async () => {
    const list = await cp.client.get<{ items: Array<{ metadata: { name: string, labels: Record<string, string>, ownerReferences?: Array<{ kind: string, name: string }> } }> }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')
    return list.items.length === 2 ? list.items : undefined
  })
  const rs = pods[0]?.metadata.ownerReferences?.[0]
  assert.equal(rs?.kind, 'ReplicaSet')
  const hash = pods[0]?.metadata.labels['pod-template-hash'] ?? ''
  assert.match(hash, /^[a-z0-9]{6,10}$/)
  assert.equal(rs?.name, `web-${hash}`)
  for (const p of pods) assert.ok(p.metadata.name.startsWith(`web-${hash}-`), p.metadata.name)
})

test('a forced etcd compaction, then an API server restart: a list or watch from before gets 410 Gone', async () => {
  const before = await cp.client.get<{ metadata: { resourceVersion: string } }>('/api/v1/namespaces/default/configmaps')
  for (let i = 0; i < 3; i++) await cp.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `c${i}` }, data: { i: String(i) } })
  assert.ok(await cp.compactEtcd() > Number(before.metadata.resourceVersion))
  await cp.restartApiserver()
  const res = await cp.client.request('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`, undefined, { allow: [410] })
  assert.equal(res.status, 410, res.text)
  const events: Array<{ type: string, object: { code?: number } }> = []
  await cp.client.watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${before.metadata.resourceVersion}`, (e) => { events.push(e as never) }, AbortSignal.timeout(10_000))
  assert.equal(events.at(-1)?.type, 'ERROR')
  assert.equal(events.at(-1)?.object.code, 410)
})

test('stop() ends every process and removes the folder; a SIGKILLed launcher takes its processes with it and is swept', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-control-plane.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] })
  const line = await waitForOutput(child, /^\{/, 120_000, 'crash-control-plane')
  const { slot, dir, pids } = JSON.parse(line) as { slot: number, dir: string, pids: Array<{ pid: number, start: string }> }
  assert.ok(pids.length >= 4)
  child.kill('SIGKILL')
  await waitFor(async () => pids.every((p) => !isAlive(p)) ? true : undefined)
  assert.ok(existsSync(statePath(slot)), 'the state file outlives its owner until a sweep')
  sweepStaleTestbeds()
  assert.equal(existsSync(statePath(slot)), false)
  assert.equal(existsSync(dir), false)
})

async function waitFor<T> (probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`not within ${timeoutMs} ms`)
}
