/**
 * README's install path against a real registry: a docker-registry (CNCF distribution) started on
 * 127.0.0.1 for this test, README's own `scripts/build-images.sh --push "$REGISTRY/podmap"` line run
 * as written (REGISTRY set; the local base image and the commit to build come from the environment
 * scripts/test-images.sh sets), then:
 *   - what was pushed, inspected with skopeo: both repositories under the chart's names, tagged
 *     with the chart's appVersion, pullable by the digest the script printed, with the entrypoint,
 *     user and environment of the local build, the OCI labels (version, revision, source, title,
 *     licenses) and this machine's architecture;
 *   - the `helm install` line the script printed is README's line, and the chart rendered with it
 *     (and with the printed digest-pinned line) names exactly the pushed images in every object;
 *   - README's `helm install` line run by the real helm against a real control plane
 *     (test/testbed/control-plane): the Deployment and DaemonSet it creates, and the pods the
 *     ReplicaSet and DaemonSet controllers make from them (a Node object stands in for a kubelet;
 *     nothing pulls the images), name exactly the pushed images;
 *   - the release workflow's chart steps: scripts/pin-chart.mjs onto the pushed digests, `helm
 *     package`, `helm push` to the registry, and the chart installed from there (oci://) names
 *     exactly the pushed images.
 * Named *.image-test.ts: it runs from `npm run test:images`, after images.image-test.ts built the
 * images, so the build here is a cache hit and the run is mostly the push.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { helm, parseManifests, type KubeDoc } from '../helm/helm-cli.js'
import { ROOT, readmeInstall, shellWords, type ReadmeInstall } from '../release/readme-install.js'
import { imageConfig, imageExists } from './buildah.js'
import { startRegistry, type LocalRegistry } from './registry.js'
import { claimRun } from '../testbed/owned-run.js'
import { startControlPlane, type ControlPlane } from '../testbed/control-plane/control-plane.js'

const exec = promisify(execFile)
const COMPONENTS = ['sniffer', 'mapper'] as const
type Component = typeof COMPONENTS[number]

let registry: LocalRegistry
let readme: ReadmeInstall
let appVersion: string
let pushOutput: string
const pushed = new Map<Component, { ref: string, digest: string }>()

before(async () => {
  // The local base holding the project's Node (scripts/test-images.sh names it and builds it).
  const base = process.env.PODMAP_BASE_IMAGE ?? ''
  assert.ok(base !== '' && await imageExists(base), `base image "${base}" is missing: run the image test through \`npm run test:images\` (scripts/test-images.sh)`)
  readme = await readmeInstall()
  appVersion = (parseYaml(await readFile(join(ROOT, 'helm', 'podmap', 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion
  registry = await startRegistry()
  const started = Date.now()
  try {
    const { stdout } = await exec('bash', ['-c', readme.push], {
      cwd: ROOT,
      env: { ...process.env, ...registry.env, REGISTRY: registry.address },
      timeout: 30 * 60_000,
      maxBuffer: 64 << 20
    })
    pushOutput = stdout
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string }
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.split('\n').filter((l) => !l.includes('EBADENGINE')).slice(-40).join('\n')
    throw new Error(`README's push line (${readme.push}) failed; the end of its output:\n${tail}\nregistry:\n${registry.output().slice(-2000)}`)
  }
  process.stdout.write(`# README's build-and-push line ran in ${Math.round((Date.now() - started) / 1000)}s:\n`)
  for (const line of pushOutput.split('\n').filter((l) => / built in | pushed /.test(l))) process.stdout.write(`#   ${line}\n`)
  for (const c of COMPONENTS) {
    const m = new RegExp(`^build-images: pushed (\\S+/podmap-${c}:\\S+), digest (sha256:[a-f0-9]{64})`, 'm').exec(pushOutput)
    assert.ok(m?.[1] !== undefined && m[2] !== undefined, `no "pushed" line for ${c} in:\n${pushOutput}`)
    pushed.set(c, { ref: m[1], digest: m[2] })
  }
}, { timeout: 31 * 60_000 })

after(async () => { await registry?.stop() })

function ref (c: Component): { ref: string, digest: string } {
  const p = pushed.get(c)
  assert.ok(p, `nothing pushed for ${c}`)
  return p
}

/** The repository part of a pushed reference (no tag). */
function repository (c: Component): string {
  return ref(c).ref.replace(/:[^:/]+$/, '')
}

/** skopeo inspect [args] REF, over the registry's plain HTTP. */
async function inspect (args: string[], image: string): Promise<unknown> {
  const { stdout } = await exec('skopeo', ['inspect', '--tls-verify=false', ...args, `docker://${image}`], { timeout: 120_000, maxBuffer: 16 << 20 })
  return JSON.parse(stdout)
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

test('both images are in the registry under the chart\'s repositories, tagged with the appVersion', async () => {
  for (const c of COMPONENTS) {
    assert.equal(ref(c).ref, `${registry.address}/podmap/podmap-${c}:${appVersion}`)
    const tags = await registry.api(`/v2/podmap/podmap-${c}/tags/list`)
    assert.equal(tags.status, 200, tags.body)
    assert.deepEqual((JSON.parse(tags.body) as { tags: string[] }).tags, [appVersion])
  }
  const catalog = JSON.parse((await registry.api('/v2/_catalog')).body) as { repositories: string[] }
  assert.deepEqual(catalog.repositories.sort(), ['podmap/podmap-mapper', 'podmap/podmap-sniffer'])
})

test('skopeo: each pushed image, by tag and by the printed digest, has the build\'s config, labels and architecture', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string, license: string, repository: { url: string } }
  const gitRef = process.env.PODMAP_IMAGE_GIT_REF
  // The commit built: PODMAP_IMAGE_GIT_REF's, or HEAD's for the working tree (with -dirty when it differs).
  const built = gitRef !== undefined && gitRef !== '' ? gitRef : 'HEAD'
  const revision = (await exec('git', ['rev-parse', `${built}^{commit}`], { cwd: ROOT })).stdout.trim()
  for (const c of COMPONENTS) {
    const { ref: byTag, digest } = ref(c)
    const info = await inspect([], byTag) as { Digest: string, Architecture: string, Os: string, Labels: Record<string, string> }
    assert.equal(info.Digest, digest, `${c}: the digest build-images.sh printed is the registry's`)
    assert.equal(info.Architecture, ARCH[process.arch] ?? process.arch)
    assert.equal(info.Os, 'linux')
    const labels = info.Labels
    assert.equal(labels['org.opencontainers.image.version'], appVersion)
    assert.equal(labels['org.opencontainers.image.version'], pkg.version)
    assert.match(labels['org.opencontainers.image.revision'] ?? '', new RegExp(`^${revision}${built === 'HEAD' ? '(-dirty)?' : ''}$`))
    assert.equal(labels['org.opencontainers.image.source'], pkg.repository.url)
    assert.equal(labels['org.opencontainers.image.title'], `podmap-${c}`)
    assert.equal(labels['org.opencontainers.image.licenses'], pkg.license)
    assert.ok((labels['org.opencontainers.image.description'] ?? '').length > 20, `${c} description label`)

    const byDigest = await inspect([], `${repository(c)}@${digest}`) as { Digest: string }
    assert.equal(byDigest.Digest, digest)
    const remote = await inspect(['--config'], `${repository(c)}@${digest}`) as { architecture: string, config: { User?: string, Entrypoint?: string[], Cmd?: string[], Env?: string[] } }
    const local = (await imageConfig(`localhost/podmap-${c}:${appVersion}`)).config
    assert.equal(remote.architecture, ARCH[process.arch] ?? process.arch)
    assert.deepEqual(remote.config.Entrypoint, local.Entrypoint, `${c} entrypoint`)
    assert.deepEqual(remote.config.Cmd, local.Cmd, `${c} cmd`)
    assert.deepEqual(remote.config.Env, local.Env, `${c} env`)
    assert.equal(remote.config.User ?? '', local.User ?? '', `${c} user`)
    assert.equal(remote.config.Entrypoint?.[0], 'node')
  }
  const mapper = await inspect(['--config'], ref('mapper').ref) as { config: { User?: string, Entrypoint?: string[] } }
  assert.equal(mapper.config.User, '10001:10001')
  assert.deepEqual(mapper.config.Entrypoint, ['node', '/app/bin/podmap.js'])
  const sniffer = await inspect(['--config'], ref('sniffer').ref) as { config: { User?: string, Entrypoint?: string[] } }
  assert.ok(['0', '', undefined].includes(sniffer.config.User), `sniffer user ${String(sniffer.config.User)}: root for its capabilities`)
  assert.equal(sniffer.config.Entrypoint?.at(-1), '/app/podmap-sniffer.mjs')
})

/** Every `image` value in the rendered objects. */
function images (docs: KubeDoc[]): string[] {
  const found: string[] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(walk); return }
    if (v === null || typeof v !== 'object') return
    for (const [k, x] of Object.entries(v)) {
      if (k === 'image' && typeof x === 'string') found.push(x)
      else walk(x)
    }
  }
  walk(docs)
  return found
}

/** Renders the chart with the arguments of a `helm install` line (install -> template). */
async function renderInstallLine (argv: string[]): Promise<KubeDoc[]> {
  assert.deepEqual(argv.slice(0, 2), ['helm', 'install'], argv.join(' '))
  const res = await helm(['template', ...argv.slice(2)])
  assert.equal(res.code, 0, res.stderr)
  return parseManifests(res.stdout)
}

/** The workloads' containers: image per container name, for each Deployment and DaemonSet. */
function workloadImages (docs: KubeDoc[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of docs.filter((x) => x.kind === 'Deployment' || x.kind === 'DaemonSet')) {
    const spec = (d as unknown as { spec: { template: { spec: { containers: Array<{ name: string, image: string }> } } } }).spec.template.spec
    for (const ctr of spec.containers) out[`${d.kind}/${ctr.name}`] = ctr.image
  }
  return out
}

test('the helm line build-images.sh printed is README\'s, and renders the chart onto exactly the pushed images', async () => {
  const printed = /install these images with\n {2}(helm install .*)\n/.exec(pushOutput)?.[1]
  assert.ok(printed, `no helm install line in:\n${pushOutput}`)
  const readmeArgv = await shellWords(readme.helmInstall, { REGISTRY: registry.address })
  assert.deepEqual(await shellWords(printed), readmeArgv, 'README\'s helm install line is the one build-images.sh prints')
  const docs = await renderInstallLine(readmeArgv)
  const all = images(docs)
  assert.equal(all.length, 2, `image references: ${all.join(', ')}`)
  assert.deepEqual(workloadImages(docs), { 'DaemonSet/sniffer': ref('sniffer').ref, 'Deployment/mapper': ref('mapper').ref })
})

test('the printed digest-pinned line renders every image as repository@digest of what was pushed', async () => {
  const printed = /or pinned by digest:\n {2}(helm install .*)\n/.exec(pushOutput)?.[1]
  assert.ok(printed, `no pinned helm install line in:\n${pushOutput}`)
  const docs = await renderInstallLine(await shellWords(printed))
  assert.equal(images(docs).length, 2)
  assert.deepEqual(workloadImages(docs), {
    'DaemonSet/sniffer': `${repository('sniffer')}@${ref('sniffer').digest}`,
    'Deployment/mapper': `${repository('mapper')}@${ref('mapper').digest}`
  })
  // And those references resolve in the registry.
  for (const image of images(docs)) {
    const info = await inspect([], image) as { Digest: string }
    assert.equal(`@${info.Digest}`, image.slice(image.indexOf('@')))
  }
})

test('the release\'s chart path: pinned to the pushed digests, helm push to the registry, rendered from oci:// onto exactly those images', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-chart-'))
  try {
    // As .github/workflows/release.yml does, with the images this test pushed.
    const dest = `${registry.address}/podmap`
    await exec(process.execPath, [join(ROOT, 'scripts', 'pin-chart.mjs'), '--images', dest, '--sniffer-digest', ref('sniffer').digest,
      '--mapper-digest', ref('mapper').digest, '--out', join(dir, 'podmap')])
    const lint = await helm(['lint', '--strict', join(dir, 'podmap')])
    assert.equal(lint.code, 0, lint.stdout + lint.stderr)
    const pkg = await helm(['package', join(dir, 'podmap'), '--destination', dir])
    assert.equal(pkg.code, 0, pkg.stderr)
    const push = await helm(['push', join(dir, `podmap-${appVersion}.tgz`), `oci://${dest}/charts`, '--plain-http'])
    assert.equal(push.code, 0, push.stderr)
    const digest = /^Digest: (sha256:[a-f0-9]{64})$/m.exec(push.stdout + push.stderr)?.[1]
    assert.ok(digest, `helm push printed no digest (release.yml reads it to sign the chart):\n${push.stdout}${push.stderr}`)
    const tags = JSON.parse((await registry.api(`/v2/podmap/charts/podmap/tags/list`)).body) as { tags: string[] }
    assert.deepEqual(tags.tags, [appVersion])
    const rendered = await helm(['template', 'podmap', `oci://${dest}/charts/podmap`, '--version', appVersion, '--plain-http', '--namespace', 'podmap'])
    assert.equal(rendered.code, 0, rendered.stderr)
    const docs = parseManifests(rendered.stdout)
    assert.equal(images(docs).length, 2)
    assert.deepEqual(workloadImages(docs), {
      'DaemonSet/sniffer': `${repository('sniffer')}@${ref('sniffer').digest}`,
      'Deployment/mapper': `${repository('mapper')}@${ref('mapper').digest}`
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

interface PodLike {
  metadata: { name: string, ownerReferences?: Array<{ kind: string }> }
  spec: {
    nodeName?: string
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchFields?: Array<{ values: string[] }> }> } } }
    containers: Array<{ name: string, image: string }>
  }
}

/** Polls `probe` every 250 ms, at most `tries` times, until it returns something. */
async function eventually<T> (what: string, probe: () => Promise<T | undefined>, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const got = await probe()
    if (got !== undefined) return got
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${what}: not within ${tries / 4} s`)
}

test('README\'s helm install against a real control plane: the workloads and the pods its controllers create name exactly the pushed images', { timeout: 300_000 }, async () => {
  let cp: ControlPlane | undefined
  try {
    cp = await startControlPlane({ run: claimRun('image-install') })
    // A node for the DaemonSet controller to place a sniffer on. No kubelet runs, so nothing pulls
    // the images: the test reads what the API server holds.
    await cp.client.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', 'kubernetes.io/os': 'linux' } } })
    // README's line as written (REGISTRY set), run by the real helm against the real API server.
    const argv = await shellWords(readme.helmInstall, { REGISTRY: registry.address })
    const installed = await helm([...argv.slice(1), '--kubeconfig', cp.adminKubeconfig])
    assert.equal(installed.code, 0, installed.stderr)
    const client = cp.client
    const template = async (path: string): Promise<Array<{ name: string, image: string }>> =>
      (await client.get<{ spec: { template: { spec: { containers: Array<{ name: string, image: string }> } } } }>(path)).spec.template.spec.containers
    assert.deepEqual((await template('/apis/apps/v1/namespaces/podmap/deployments/podmap-mapper')).map((c) => [c.name, c.image]), [['mapper', ref('mapper').ref]])
    assert.deepEqual((await template('/apis/apps/v1/namespaces/podmap/daemonsets/podmap-sniffer')).map((c) => [c.name, c.image]), [['sniffer', ref('sniffer').ref]])
    // The pods the ReplicaSet and DaemonSet controllers made from those templates.
    const pods = await eventually('a mapper pod and a sniffer pod on node-a', async () => {
      const list = await client.get<{ items: PodLike[] }>('/api/v1/namespaces/podmap/pods')
      const owners = list.items.map((p) => p.metadata.ownerReferences?.[0]?.kind).sort()
      return owners.join(',') === 'DaemonSet,ReplicaSet' ? list.items : undefined
    })
    const ownedBy = (kind: string): PodLike | undefined => pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === kind)
    assert.deepEqual(ownedBy('ReplicaSet')?.spec.containers.map((c) => c.image), [ref('mapper').ref])
    assert.deepEqual(ownedBy('DaemonSet')?.spec.containers.map((c) => c.image), [ref('sniffer').ref])
    assert.equal(ownedBy('DaemonSet')?.spec.nodeName ?? ownedBy('DaemonSet')?.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values[0], 'node-a')
    // Every image any pod in the namespace names is one that was pushed.
    for (const p of pods) for (const c of p.spec.containers) assert.ok([ref('mapper').ref, ref('sniffer').ref].includes(c.image), `${p.metadata.name}: ${c.image}`)
  } finally {
    await cp?.stop()
  }
})
