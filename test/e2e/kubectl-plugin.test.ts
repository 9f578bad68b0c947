/**
 * `kubectl podmap list` with the real kubectl 1.33 on the real control plane: kubectl finds the
 * `kubectl-podmap` plugin on PATH and passes --kubeconfig through; the plugin finds the chart's
 * mapper Service (installed with helm) by its labels, picks its ready pod from the real
 * EndpointSlices and reaches the real mapper through the API server's pods/portforward, which the
 * node agent's kubelet port serves (the chart's mapper pod relays to the mapper process). Also
 * `podmap list` with only KUBECONFIG set, and `kubectl port-forward service/podmap-mapper`.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startStack, waitFor, BIN, type Stack } from './stack.js'
import { makeShopCalls } from './traffic.js'
import { mapResponseSchema } from '../../src/contract/map.js'

const run = promisify(execFile)
const KUBECTL = fileURLToPath(new URL('../../.tools/bin/kubectl', import.meta.url))
const EXPECTED = [
  'CronJob nightly > StatefulSet ledger',
  'Deployment checkout > Deployment orders',
  'Deployment checkout > External api.partner.example'
]

let stack: Stack
let pluginDir: string
let kubeconfig: string

before(async () => {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} is missing: run scripts/install-kube-tools.sh`)
  stack = await startStack()
  kubeconfig = stack.cluster.kubeconfig
  pluginDir = join(stack.dir, 'plugins')
  mkdirSync(pluginDir)
  symlinkSync(BIN, join(pluginDir, 'kubectl-podmap'))
  await makeShopCalls(stack.cluster, stack.shop)
  let seen = ''
  await waitFor('three edges in the map', async () => {
    const res = await fetch(`${stack.mapperUrl}/api/v1/map`)
    const edges = mapResponseSchema.parse(await res.json()).edges
    const keys = edges.map((e) => `${e.client.kind} ${e.client.name} > ${e.server.kind} ${e.server.name}`)
    seen = keys.join('; ')
    // Exactly the calls made is shop.test.ts's business; here they only have to be there.
    return EXPECTED.every((k) => keys.includes(k)) ? edges : undefined
  }, 30_000, 500).catch((err: Error) => {
    throw new Error(`${err.message} (saw: ${seen})\nsniffer logs:\n${stack.snifferLogs()}`)
  })
  // The chart's mapper pod is ready once its readiness probe (/readyz, through the relay) passes.
  await waitFor('the chart\'s mapper pod ready', async () => (await stack.cluster.pods('podmap', 'app.kubernetes.io/component=mapper')).some((p) => p.ready) ? true : undefined, 60_000, 500)
})

after(async () => { await stack?.stop() })

/** A user's environment: the plugin directory first on PATH, a HOME with no ~/.kube/config. */
function userEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${pluginDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: stack.dir, ...extra }
}

function assertTable (stdout: string): void {
  const lines = stdout.trim().split('\n')
  assert.match(lines[0] ?? '', /^CLIENT\s+SERVER\s+SERVICE\s+PORTS\s+EVIDENCE\s+LAST SEEN$/)
  assert.ok(lines.some((l) => /^Deployment shop\/checkout\s+Deployment shop\/orders\s+orders\s+8080\/TCP\s+dns,tcp/.test(l)), stdout)
  assert.ok(lines.some((l) => /^\s+External api\.partner\.example\s+-\s+443\/TCP\s+dns,tcp/.test(l)), stdout)
  assert.ok(lines.some((l) => /^CronJob batch\/nightly\s+StatefulSet db\/ledger\s+ledger\s+5432\/TCP\s+dns,tcp/.test(l)), stdout)
}

test('kubectl sees the plugin on PATH', async () => {
  const { stdout } = await run(KUBECTL, ['plugin', 'list', '--name-only'], { env: userEnv(), timeout: 30_000 })
  assert.match(stdout, /^kubectl-podmap$/m)
})

test('`kubectl podmap list --kubeconfig` prints the map through a port-forward to the mapper pod', async () => {
  const { stdout, stderr } = await run(KUBECTL, ['podmap', 'list', '--kubeconfig', kubeconfig], { env: userEnv(), timeout: 60_000 })
  assert.equal(stderr, '')
  assertTable(stdout)
})

test('`podmap list` with only KUBECONFIG set', async () => {
  const { stdout, stderr } = await run(process.execPath, [BIN, 'list'], { env: userEnv({ KUBECONFIG: kubeconfig }), timeout: 60_000 })
  assert.equal(stderr, '')
  assertTable(stdout)
})

test('`kubectl podmap list -n batch`: kubectl passes the filter through to the plugin', async () => {
  const { stdout } = await run(KUBECTL, ['podmap', 'list', '-n', 'batch', '-o', 'json', '--kubeconfig', kubeconfig], { env: userEnv(), timeout: 60_000 })
  const edges = mapResponseSchema.parse(JSON.parse(stdout)).edges
  assert.deepEqual(edges.map((e) => `${e.client.name}>${e.server.name}`), ['nightly>ledger'])
})

test('`kubectl port-forward service/podmap-mapper` reaches the real mapper through the API server', async () => {
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '-n', 'podmap', 'port-forward', 'service/podmap-mapper', '0:9090'], { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  try {
    const local = await waitFor('kubectl to listen', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000, 100)
    const res = await fetch(`http://127.0.0.1:${local}/api/v1/map?namespace=batch`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(res.status, 200)
    const edges = mapResponseSchema.parse(await res.json()).edges
    assert.deepEqual(edges.map((e) => `${e.client.name}>${e.server.name}`), ['nightly>ledger'])
  } finally {
    child.kill('SIGTERM')
  }
})
