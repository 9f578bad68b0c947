/**
 * The sniffer's projected ServiceAccount token (--service-account-token-file, issue #17) against a
 * real kube-apiserver and the real mapper app in `--sniffer-auth serviceaccount` mode: the file is
 * laid out as the kubelet projects it (`token` -> `..data/token`, `..data` a symlink swapped
 * atomically at rotation) and read again for every report, so a rotated token is the one the next
 * report carries; a file that cannot be read keeps the last token and is counted.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { claimRun, type OwnedRun } from '../testbed/owned-run.js'
import { startControlPlane, type ControlPlane } from '../testbed/control-plane/control-plane.js'
import { loadKubeConfig } from '../../src/kube/kubeconfig.js'
import { tokenReviewer, type TokenReviewer } from '../../mapper/http/sniffer-auth.js'
import { buildTestApp } from '../mapper/test-app.js'
import { IP } from '../mapper/fixtures.js'
import { Collector } from '../../sniffer/collector.js'
import { createReporter } from '../../sniffer/reporter.js'
import { SentLedger } from '../../sniffer/sent-ledger.js'
import { bearerTokenFrom, rotatingTokenFile } from '../../sniffer/bearer-token.js'
import { createSnifferMetrics, createSnifferRegistry } from '../../sniffer/metrics.js'
import { createLogger } from '../../src/log/logger.js'

let run: OwnedRun
let cp: ControlPlane
let pod: { name: string, uid: string }

/** A token for the sniffers' ServiceAccount, audience podmap, bound to the sniffer's pod on node-a (as the kubelet asks for it). */
async function projectedToken (): Promise<string> {
  const r = await cp.client.request<{ status: { token: string } }>('POST', '/api/v1/namespaces/podmap/serviceaccounts/podmap-sniffer/token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { audiences: ['podmap'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid } }
  })
  return r.body.status.token
}

/** Writes `token` the way the kubelet's atomic writer does: a new timestamped folder, then `..data` renamed over. */
async function project (dir: string, token: string, generation: number): Promise<void> {
  const folder = `..2026_12_04_00_00_0${generation}`
  await mkdir(join(dir, folder))
  await writeFile(join(dir, folder, 'token'), token, { mode: 0o600 })
  await symlink(folder, join(dir, '..data_tmp'))
  await rename(join(dir, '..data_tmp'), join(dir, '..data'))
}

before(async () => {
  run = claimRun('sniffer-sa-token')
  cp = await startControlPlane({ run })
  const c = cp.client
  await c.request('POST', '/api/v1/namespaces', { metadata: { name: 'podmap' } })
  await c.request('POST', '/api/v1/namespaces/podmap/serviceaccounts', { metadata: { name: 'podmap-sniffer' } })
  await c.request('POST', '/api/v1/nodes', { metadata: { name: 'node-a' } })
  const r = await c.request<{ metadata: { uid: string } }>('POST', '/api/v1/namespaces/podmap/pods', {
    metadata: { name: 'sniffer-a' }, spec: { nodeName: 'node-a', serviceAccountName: 'podmap-sniffer', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'podmap-sniffer' }] }
  })
  pod = { name: 'sniffer-a', uid: r.body.metadata.uid }
})

after(async () => { await cp?.stop(); await run?.stop() })

test('a rotated projected token is read for the next report; an unreadable file keeps the last one and is counted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-sa-token-'))
  // The real TokenReview client, remembering which tokens it was asked about.
  const real = tokenReviewer(loadKubeConfig({ paths: cp.adminKubeconfig, otherwise: 'in-cluster' }), 'podmap')
  const reviewed: string[] = []
  const reviewer: TokenReviewer = { review: async (token) => { reviewed.push(token); return await real.review(token) } }
  const mapper = await buildTestApp({ snifferAuth: { shared: false, serviceAccount: { reviewer, name: 'podmap/podmap-sniffer', audience: 'podmap' } } })
  await mapper.app.listen({ host: '127.0.0.1', port: 0 })
  try {
    const first = await projectedToken()
    await project(dir, first, 1)
    await symlink('..data/token', join(dir, 'token'))
    const path = join(dir, 'token')

    const registry = createSnifferRegistry()
    const metrics = createSnifferMetrics(registry)
    const readErrors: Error[] = []
    const collector = new Collector(100, () => {})
    const reporter = createReporter({
      mapperUrl: `http://127.0.0.1:${(mapper.app.server.address() as AddressInfo).port}`,
      token: rotatingTokenFile(path, first, (err) => { readErrors.push(err); metrics.tokenReadErrors.inc() }),
      nodeName: 'node-b', // a claim the mapper must not need: the token names the node
      intervalMs: 60_000,
      maxPendingRecords: 1000,
      collector,
      ledger: new SentLedger({ refreshMs: 0, maxKeys: 1000, onForget: () => {} }),
      metrics,
      log: createLogger({ level: 'silent', component: 'sniffer' })
    })
    const sent = async (): Promise<number> => (await registry.getMetricsAsJSON()).find((m) => m.name === 'podmap_sniffer_records_sent_total')?.values[0]?.value ?? 0

    collector.addSession({ client: IP.checkout, server: IP.orders, port: 8080, protocol: 'TCP' }, Date.now())
    await reporter.report()
    assert.equal(await sent(), 1, 'the first report is accepted with the projected token')
    assert.deepEqual(reviewed, [first])

    // The kubelet rotates the token: the next report carries the new one.
    const second = await projectedToken()
    assert.notEqual(second, first)
    await project(dir, second, 2)
    collector.addSession({ client: IP.job, server: IP.ledger0, port: 5432, protocol: 'TCP' }, Date.now())
    await reporter.report()
    assert.equal(await sent(), 2, 'the report after the rotation is accepted')
    assert.deepEqual(reviewed, [first, second], 'the mapper was shown the rotated token')
    assert.equal(mapper.store.size, 2, 'both calls are mapped: the node came from the token, not from the report\'s node-b')

    // The file goes away (a volume being remounted): the last token read is sent, the miss counted.
    await rm(join(dir, '..data'))
    collector.addSession({ client: IP.checkout, server: IP.orders, port: 8081, protocol: 'TCP' }, Date.now())
    await reporter.report()
    assert.equal(await sent(), 3)
    assert.equal(readErrors.length, 1)
    assert.equal((readErrors[0] as NodeJS.ErrnoException).code, 'ENOENT')
    assert.deepEqual(reviewed, [first, second], 'the cached answer for the last token served')
  } finally {
    await mapper.app.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('exactly one of --token-file and --service-account-token-file; the shared token is read once, the projected one at every call', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-sa-options-'))
  try {
    const shared = join(dir, 'shared')
    const projected = join(dir, 'projected')
    await writeFile(shared, 'shared-1\n')
    await writeFile(projected, 'a.b.c\n')
    await assert.rejects(bearerTokenFrom({}, () => {}), /--token-file or --service-account-token-file: one is required/)
    await assert.rejects(bearerTokenFrom({ tokenFile: shared, serviceAccountTokenFile: projected }, () => {}), /give one/)
    await assert.rejects(bearerTokenFrom({ serviceAccountTokenFile: join(dir, 'missing') }, () => {}), /--service-account-token-file: cannot read/)
    const fixed = await bearerTokenFrom({ tokenFile: shared }, () => {})
    await writeFile(shared, 'shared-2\n')
    assert.equal(await fixed(), 'shared-1')
    const errors: Error[] = []
    const rotating = await bearerTokenFrom({ serviceAccountTokenFile: projected }, (err) => errors.push(err))
    await writeFile(projected, 'd.e.f\n')
    assert.equal(await rotating(), 'd.e.f')
    await writeFile(projected, '')
    assert.equal(await rotating(), 'd.e.f', 'an empty file keeps the last token')
    assert.match(errors[0]?.message ?? '', /is empty/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
