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

test('deploy/podmap.yaml carries no token and points both components at the podmap-token Secret', async () => {
  const docs = parseManifests(await readFile(join(ROOT, 'deploy', 'podmap.yaml'), 'utf8'))
  assert.equal(docs.some((d) => d.kind === 'Secret'), false)
  const secretNames = docs
    .filter((d) => d.kind === 'DaemonSet' || d.kind === 'Deployment')
    .map((d) => (d as unknown as { spec: { template: { spec: { volumes: Array<{ name: string, secret?: { secretName: string } }> } } } })
      .spec.template.spec.volumes.find((v) => v.name === 'token')?.secret?.secretName)
  assert.deepEqual(secretNames, ['podmap-token', 'podmap-token'])
  for (const d of docs) {
    if (!['ClusterRole', 'ClusterRoleBinding', 'PriorityClass'].includes(d.kind)) assert.equal(d.metadata.namespace, 'podmap', `${d.kind}/${d.metadata.name}`)
  }
})
