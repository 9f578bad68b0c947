/**
 * Builds both images from the Dockerfiles with buildah and runs them: the mapper image's own
 * entrypoint must answer /healthz and /readyz against a fake API server, and the sniffer image
 * must load the `cap` addon against its run-time libpcap. Slow (minutes on a cold cache), so it is
 * named *.image-test.ts to stay out of `npm test`: run it through `bash scripts/test-images.sh`,
 * which first installs buildah and builds the local base. PODMAP_IMAGE_GIT_REF=HEAD builds from
 * the committed tree instead of the working tree.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startFakeApiServer, type FakeApiServer } from '../testbed/fake-apiserver.js'
import { buildahAvailable, fromImage, imageConfig, imageExists, removeContainer, runIn, startIn } from './buildah.js'

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const BASE = process.env.PODMAP_BASE_IMAGE ?? 'localhost/podmap-base:bookworm-node20'
const TAG = 'test'
const MAPPER = `localhost/podmap-mapper:${TAG}`
const SNIFFER = `localhost/podmap-sniffer:${TAG}`
const containers: string[] = []

before(async () => {
  assert.ok(await buildahAvailable(), 'buildah is missing: run `bash scripts/test-images.sh` (it installs buildah and debootstrap)')
  assert.ok(await imageExists(BASE), `base image ${BASE} is missing: run \`bash scripts/test-images.sh\` (it builds it with scripts/build-base-image.sh)`)
  const started = Date.now()
  const ref = process.env.PODMAP_IMAGE_GIT_REF
  const args = [join(ROOT, 'scripts', 'build-images.sh'), '--base', BASE, '--tag', TAG, ...(ref ? ['--git-ref', ref] : [])]
  try {
    await exec('bash', args, { cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 64 << 20 })
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string }
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.split('\n').filter((l) => !l.includes('EBADENGINE')).slice(-40).join('\n')
    throw new Error(`scripts/build-images.sh failed; the end of its output:\n${tail}`)
  }
  process.stdout.write(`# both images built in ${Math.round((Date.now() - started) / 1000)}s\n`)
}, { timeout: 31 * 60_000 })

after(async () => {
  for (const c of containers) await removeContainer(c)
})

async function container (image: string): Promise<string> {
  const c = await fromImage(image)
  containers.push(c)
  return c
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0))
    })
  })
}

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string } | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) })
    return { status: res.status, body: await res.text() }
  } catch {
    return undefined
  }
}

/** Polls until `ok` holds, at most `tries` times, 250 ms apart. */
async function poll (url: string, ok: (r: { status: number }) => boolean, tries: number): Promise<{ status: number, body: string } | undefined> {
  let last: { status: number, body: string } | undefined
  for (let i = 0; i < tries; i++) {
    last = await get(url)
    if (last !== undefined && ok(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return last
}

test('mapper image: non-root, node entrypoint, no HEALTHCHECK, no compiler', async () => {
  const { config, healthcheck } = await imageConfig(MAPPER)
  assert.equal(config.User, '10001:10001')
  assert.deepEqual(config.Entrypoint, ['node', '/app/bin/podmap.js'])
  assert.deepEqual(config.Cmd, ['mapper'])
  assert.equal(healthcheck, undefined)
  const ctr = await container(MAPPER)
  const id = await runIn(ctr, ['id', '-u'])
  assert.equal(id.stdout.trim(), '10001', `id -u exited ${id.code}: ${id.stderr}`)
  const cc = await runIn(ctr, ['sh', '-c', 'command -v g++ make python3 || echo none'])
  assert.equal(cc.stdout.trim(), 'none', cc.stderr)
})

test('mapper image: its entrypoint serves /healthz, then /readyz once informers sync, and the map', { timeout: 120_000 }, async () => {
  const api: FakeApiServer = await startFakeApiServer({ bookmarkIntervalMs: 1000 })
  const dir = await mkdtemp(join(tmpdir(), 'podmap-image-'))
  const ctr = await container(MAPPER)
  let run: ReturnType<typeof startIn> | undefined
  try {
    api.load([{ kind: 'Namespace', metadata: { name: 'shop' } }])
    await api.writeKubeconfig(join(dir, 'kubeconfig'))
    await writeFile(join(dir, 'token'), 'image-test-token\n')
    await chmod(dir, 0o755)
    await chmod(join(dir, 'kubeconfig'), 0o644)
    await chmod(join(dir, 'token'), 0o644)
    const port = await freePort()
    const { config } = await imageConfig(MAPPER)
    const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? []),
      '--kubeconfig', '/cfg/kubeconfig', '--token-file', '/cfg/token', '--host', '127.0.0.1', '--port', String(port)]
    run = startIn(ctr, argv, [`${dir}:/cfg:ro`])
    const base = `http://127.0.0.1:${port}`
    const health = await poll(`${base}/healthz`, (r) => r.status === 200, 240)
    assert.equal(health?.status, 200, `no /healthz from the mapper image; its output:\n${run.output()}`)
    const ready = await poll(`${base}/readyz`, (r) => r.status === 200, 120)
    assert.equal(ready?.status, 200, `not ready; output:\n${run.output()}`)
    const map = await get(`${base}/api/v1/map`)
    assert.equal(map?.status, 200)
    assert.deepEqual((JSON.parse(map?.body ?? '{}') as { edges?: unknown[] }).edges, [])
    const metrics = await get(`${base}/metrics`)
    assert.equal(metrics?.status, 200)
    assert.match(metrics?.body ?? '', /^# HELP /m)
  } finally {
    await run?.stop()
    await api.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('sniffer image: root for its capabilities, node entrypoint, no HEALTHCHECK, no compiler', async () => {
  const { config, healthcheck } = await imageConfig(SNIFFER)
  assert.ok(config.User === '0' || config.User === '' || config.User === undefined, `user ${String(config.User)}`)
  assert.deepEqual(config.Entrypoint, ['node', '/app/bin/podmap.js'])
  assert.deepEqual(config.Cmd, ['sniffer'])
  assert.equal(healthcheck, undefined)
  const ctr = await container(SNIFFER)
  const cc = await runIn(ctr, ['sh', '-c', 'command -v g++ make python3 || echo none'])
  assert.equal(cc.stdout.trim(), 'none', cc.stderr)
})

test('sniffer image: loads `cap` against the run-time libpcap and lists devices', async () => {
  const ctr = await container(SNIFFER)
  const res = await runIn(ctr, ['node', '-e',
    "const { Cap } = require('cap'); new Cap(); console.log(JSON.stringify({ devices: Cap.deviceList().map((d) => d.name) }))"])
  assert.equal(res.code, 0, res.stderr)
  const out = JSON.parse(res.stdout) as { devices: string[] }
  assert.ok(out.devices.includes('any'), `devices: ${out.devices.join(', ')}`)
  const help = await runIn(ctr, ['node', '/app/bin/podmap.js', 'sniffer', '--help'])
  assert.equal(help.code, 0, help.stderr)
  assert.match(help.stdout, /--proc-root/)
})
