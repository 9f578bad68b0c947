/**
 * When the mapper cannot be reached through the Kubernetes API, `podmap list` says why in one line
 * and exits 1: no kubeconfig, unknown context, API server down, no mapper Service, no ready pod,
 * forward refused by the API server, nothing listening on the pod's port.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BIN } from '../e2e/stack.js'
import { runPodmap, type PodmapResult } from './run-podmap.js'
import { startFakeApiServer, type FakeApiServer } from '../testbed/fake-apiserver.js'
import { mapperObjects } from '../testbed/fake-apiserver-portforward-objects.js'
import { kubeconfigText } from '../testbed/fake-apiserver-bodies.js'
import { writeFile } from 'node:fs/promises'
import { freePort } from '../testbed/free-port.js'

const run = promisify(execFile)
let dir: string
let api: FakeApiServer
let kubeconfig: string

async function podmap (env: Record<string, string>, ...args: string[]): Promise<PodmapResult> {
  // A clean environment: no PODMAP_MAPPER_URL or KUBECONFIG of the caller's leaks in.
  return await runPodmap(args, { env, home: dir })
}

/** Exit 1, nothing on stdout, exactly one line on stderr matching `pattern`. */
async function failsWith (pattern: RegExp, env: Record<string, string>, ...args: string[]): Promise<void> {
  const r = await podmap(env, 'list', ...args)
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, `one line: ${r.stderr}`)
  assert.match(r.stderr, pattern)
}


before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podmap-pf-err-'))
  api = await startFakeApiServer()
  kubeconfig = join(dir, 'kubeconfig')
  await api.writeKubeconfig(kubeconfig)
})

after(async () => {
  await api?.close()
  await rm(dir, { recursive: true, force: true })
})

test('no --mapper-url and no kubeconfig anywhere', async () => {
  await failsWith(/^podmap list: no kubeconfig to find the mapper with \(no --kubeconfig, no \$KUBECONFIG and no .*\.kube\/config\): pass --mapper-url, or --kubeconfig\n$/, {})
  await failsWith(/^podmap list: no kubeconfig .*\/nope does not exist/, { KUBECONFIG: join(dir, 'nope') })
})

test('a context the kubeconfig does not have', async () => {
  await failsWith(/^podmap list: --context: no context "prod" in /, { KUBECONFIG: kubeconfig }, '--context', 'prod')
})

test('the API server is down', async () => {
  const dead = join(dir, 'dead-kubeconfig')
  await writeFile(dead, kubeconfigText(`http://127.0.0.1:${await freePort()}`))
  await failsWith(/^podmap list: cannot list Services through the Kubernetes API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/, { KUBECONFIG: dead })
})

test('no mapper Service in the cluster', async () => {
  await failsWith(/^podmap list: no mapper Service found with label app\.kubernetes\.io\/part-of=podmap,app\.kubernetes\.io\/component=mapper in any namespace, nor podmap\/podmap-mapper: is podmap installed\?/, { KUBECONFIG: kubeconfig })
  await failsWith(/^podmap list: no mapper Service found in namespace elsewhere/, { KUBECONFIG: kubeconfig }, '--mapper-namespace', 'elsewhere')
})

test('a mapper Service with no ready pod behind it', async () => {
  const objs = mapperObjects({ podIP: '127.0.0.1', port: await freePort(), ready: false })
  api.load(objs)
  try {
    await failsWith(/^podmap list: no ready pod behind Service podmap\/podmap-mapper: is the mapper running\?/, { KUBECONFIG: kubeconfig })
  } finally {
    for (const o of objs.reverse()) api.remove(o)
  }
})

test('the API server refuses the port-forward, or nothing listens on the pod\'s port', async () => {
  const objs = mapperObjects({ podIP: '127.0.0.1', port: await freePort() })
  api.load(objs)
  try {
    api.refusePortForwards(403)
    await failsWith(/^podmap list: port-forward to pod podmap\/podmap-mapper-6b7c9d8f5-q2w4e:\d+ through http:\/\/127\.0\.0\.1:\d+ refused: HTTP 403 \(forbidden: the user may not create pods\/portforward there\)\n$/, { KUBECONFIG: kubeconfig })
    api.refusePortForwards(false)
    await failsWith(/^podmap list: cannot reach the mapper at pod podmap\/podmap-mapper-6b7c9d8f5-q2w4e:\d+ \(Service podmap-mapper\) via port-forward: error forwarding port \d+ to pod podmap\/podmap-mapper-6b7c9d8f5-q2w4e: failed to connect to 127\.0\.0\.1:\d+: ECONNREFUSED\n$/, { KUBECONFIG: kubeconfig })
  } finally {
    api.refusePortForwards(false)
    for (const o of objs.reverse()) api.remove(o)
  }
})

test('an API server that never answers: --request-timeout, then exit (nothing left holding the process)', async () => {
  const held: import('node:net').Socket[] = []
  const silent = createServer((s) => { held.push(s) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const hung = join(dir, 'hung-kubeconfig')
  await writeFile(hung, kubeconfigText(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`))
  try {
    // The aborted request must not keep the process alive: execFile's own limit is far below the
    // 60 s the server would hold the connection.
    const r = await run(process.execPath, [BIN, 'list', '--request-timeout', '1s'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: hung }, timeout: 20_000 })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number | null, stderr: string, killed?: boolean }) => ({ code: err.killed === true ? -1 : err.code, stderr: err.stderr }))
    assert.equal(r.code, 1, `exit code (-1: killed, the process hung); stderr: ${r.stderr}`)
    assert.match(r.stderr, /^podmap list: no answer from the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ within 1000 ms while looking for the mapper \(--request-timeout\)\n$/)
    assert.ok(held.length >= 1, 'the request reached the silent server')
  } finally {
    for (const s of held) s.destroy()
    silent.close()
  }
})
