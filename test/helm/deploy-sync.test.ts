import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { HELM, ROOT, parseManifests } from './helm-cli.js'

const exec = promisify(execFile)

test('deploy/podmap.yaml is exactly what deploy/render.sh renders from the chart now', async () => {
  const { stdout } = await exec('bash', [join(ROOT, 'deploy', 'render.sh'), '--stdout'], { env: { ...process.env, HELM }, timeout: 60_000, maxBuffer: 16 << 20 })
  const committed = await readFile(join(ROOT, 'deploy', 'podmap.yaml'), 'utf8')
  assert.ok(stdout.length > 1000, 'render produced output')
  assert.equal(committed, stdout, 'deploy/podmap.yaml is stale: run deploy/render.sh and commit the result')
})

test('deploy/podmap.yaml carries no token: the mapper reads the podmap-token Secret, the sniffers their own projected token', async () => {
  const docs = parseManifests(await readFile(join(ROOT, 'deploy', 'podmap.yaml'), 'utf8'))
  assert.equal(docs.some((d) => d.kind === 'Secret'), false)
  const volumes = (kind: string) => (docs.find((d) => d.kind === kind) as unknown as { spec: { template: { spec: { volumes: Array<{ name: string, secret?: { secretName: string }, projected?: { sources: Array<{ serviceAccountToken?: { audience: string } }> } }> } } } })
    .spec.template.spec.volumes
  assert.equal(volumes('Deployment').find((v) => v.name === 'token')?.secret?.secretName, 'podmap-token')
  assert.equal(volumes('DaemonSet').find((v) => v.name === 'sa-token')?.projected?.sources[0]?.serviceAccountToken?.audience, 'podmap')
  for (const d of docs) {
    if (!['ClusterRole', 'ClusterRoleBinding', 'PriorityClass'].includes(d.kind)) assert.equal(d.metadata.namespace, 'podmap', `${d.kind}/${d.metadata.name}`)
  }
})

test('deploy/README\'s apply line puts the user\'s registry in both images and changes nothing else', async () => {
  const readme = await readFile(join(ROOT, 'deploy', 'README.md'), 'utf8')
  const line = /^(sed .*deploy\/podmap\.yaml) \| kubectl apply -f -$/m.exec(readme)?.[1]
  assert.ok(line, 'deploy/README.md pipes deploy/podmap.yaml through sed into kubectl apply')
  const committed = await readFile(join(ROOT, 'deploy', 'podmap.yaml'), 'utf8')
  const { stdout } = await exec('bash', ['-c', line], { cwd: ROOT, env: { ...process.env, REGISTRY: 'registry.test:5000/mirror' }, maxBuffer: 16 << 20 })
  const images = (text: string): string[] => parseManifests(text)
    .filter((d) => d.kind === 'Deployment' || d.kind === 'DaemonSet')
    .flatMap((d) => (d as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers.map((c) => c.image))
  const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
  assert.deepEqual(images(committed).sort(), [`REGISTRY/podmap/podmap-mapper:${version}`, `REGISTRY/podmap/podmap-sniffer:${version}`])
  assert.deepEqual(images(stdout).sort(), [`registry.test:5000/mirror/podmap/podmap-mapper:${version}`, `registry.test:5000/mirror/podmap/podmap-sniffer:${version}`])
  const changed = stdout.split('\n').filter((l, i) => l !== committed.split('\n')[i])
  assert.equal(changed.length, 2, changed.join('\n'))
})
