/**
 * Each sniffer proves which node it is (issue #17), against a real kube-apiserver: its projected
 * ServiceAccount token (audience podmap, bound to its pod) is checked with TokenReview, and the node
 * comes from the token's pod binding, not from the report. Records must agree with that node.
 * Refused: another ServiceAccount's token, the wrong audience, a token not bound to a pod, garbage,
 * and (in serviceaccount mode) the shared token.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { claimRun, type OwnedRun } from '../../testbed/owned-run.js'
import { startControlPlane, type ControlPlane } from '../../testbed/control-plane/control-plane.js'
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js'
import { tokenReviewer } from '../../../mapper/http/sniffer-auth.js'
import { buildTestApp, TEST_TOKEN } from '../test-app.js'
import { IP, T0 } from '../fixtures.js'

let run: OwnedRun
let cp: ControlPlane
const tokens: Record<string, string> = {}

/** A TokenRequest for `sa`, bound to `pod` (as the kubelet projects it) or to nothing. */
async function boundToken (sa: string, pod: { name: string, uid: string } | undefined, audience = 'podmap'): Promise<string> {
  const r = await cp.client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/podmap/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { audiences: [audience], expirationSeconds: 3600, ...(pod ? { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid } } : {}) }
  })
  return r.body.status.token
}

before(async () => {
  run = claimRun('sniffer-auth')
  cp = await startControlPlane({ run })
  const c = cp.client
  await c.request('POST', '/api/v1/namespaces', { metadata: { name: 'podmap' } })
  for (const sa of ['podmap-sniffer', 'intruder']) await c.request('POST', '/api/v1/namespaces/podmap/serviceaccounts', { metadata: { name: sa } })
  for (const node of ['node-a', 'node-b']) await c.request('POST', '/api/v1/nodes', { metadata: { name: node } })
  const pods: Record<string, { name: string, uid: string }> = {}
  for (const [name, node, sa] of [['sniffer-a', 'node-a', 'podmap-sniffer'], ['sniffer-b', 'node-b', 'podmap-sniffer'], ['evil-a', 'node-a', 'intruder']]) {
    const r = await c.request<{ metadata: { uid: string } }>('POST', '/api/v1/namespaces/podmap/pods', {
      metadata: { name }, spec: { nodeName: node, serviceAccountName: sa, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'podmap-sniffer' }] }
    })
    pods[name as string] = { name: name as string, uid: r.body.metadata.uid }
  }
  tokens.a = await boundToken('podmap-sniffer', pods['sniffer-a']!)
  tokens.b = await boundToken('podmap-sniffer', pods['sniffer-b']!)
  tokens.intruder = await boundToken('intruder', pods['evil-a']!)
  tokens.otherAudience = await boundToken('podmap-sniffer', pods['sniffer-a']!, 'https://kubernetes.default.svc')
  tokens.unbound = await boundToken('podmap-sniffer', undefined)
})

after(async () => { await cp?.stop(); await run?.stop() })

/** The fixture shop's pods all run on node-a. */
const report = (claimedNode: string) => ({
  version: 2, node: claimedNode, sentAt: T0,
  dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: T0, lastSeen: T0, count: 1 }],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0, count: 1 }]
})

async function mapper (mode: 'serviceaccount' | 'both') {
  const kc = loadKubeConfig({ paths: cp.adminKubeconfig, otherwise: 'in-cluster' })
  return await buildTestApp({ snifferAuth: { shared: mode === 'both', serviceAccount: { reviewer: tokenReviewer(kc, 'podmap'), name: 'podmap/podmap-sniffer', audience: 'podmap' } } })
}

test('a sniffer\'s bound ServiceAccount token names its node; the report\'s own node name does not count', async () => {
  const { app, store, registry } = await mapper('serviceaccount')
  // node-a's sniffer, claiming to be node-b: its records are about node-a's pods, and it is node-a.
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${tokens.a}` }, payload: report('node-b') })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(store.size, 1, 'checkout -> orders mapped')
  // node-b's sniffer claiming to be node-a, with node-a's pods: every record refused.
  const forged = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${tokens.b}` }, payload: report('node-a') })
  assert.equal(forged.statusCode, 200)
  assert.match(await registry.metrics(), /podmap_mapper_records_refused_total\{reason="other-node"\} 2/)
})

test('refused: another ServiceAccount, another audience, a token not bound to a pod, garbage, and the shared token in serviceaccount mode', async () => {
  const { app, registry } = await mapper('serviceaccount')
  for (const [what, authorization] of [
    ['intruder', `Bearer ${tokens.intruder}`], ['audience', `Bearer ${tokens.otherAudience}`], ['unbound', `Bearer ${tokens.unbound}`],
    ['garbage', 'Bearer a.b.c'], ['shared', `Bearer ${TEST_TOKEN}`], ['none', undefined]
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: authorization ? { authorization } : {}, payload: report('node-a') })
    assert.equal(res.statusCode, 401, `${what}: ${res.body}`)
  }
  const text = await registry.metrics()
  for (const reason of ['wrong-serviceaccount', 'invalid', 'no-pod-binding']) assert.match(text, new RegExp(`podmap_mapper_sniffer_tokens_refused_total\\{reason="${reason}"\\} [1-9]`), reason)
  // Admin routes still take the shared token, and only it.
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/snapshots', headers: { authorization: `Bearer ${tokens.a}` }, payload: { name: 'x' } })).statusCode, 401)
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/snapshots', headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: { name: 'x' } })).statusCode, 201)
})

test('both: the shared token still works for clusters that cannot project tokens; the report then speaks for its node', async () => {
  const { app, store } = await mapper('both')
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: report('node-a') })).statusCode, 200)
  assert.equal(store.size, 1)
})
