/**
 * scripts/pin-chart.mjs, which the release workflow runs before `helm package`: the copy it writes
 * renders both workloads on REGISTRY/PREFIX/podmap-<name>@<digest> with no --set, still lints and
 * passes its schema, and keeps values.yaml's comments; bad input changes nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CHART, ROOT, helm, parseManifests } from '../helm/helm-cli.js'

const exec = promisify(execFile)
const SNIFFER = `sha256:${'a1'.repeat(32)}`
const MAPPER = `sha256:${'b2'.repeat(32)}`

async function pin (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'scripts', 'pin-chart.mjs'), ...args])
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

test('the pinned copy renders both images by digest under the release registry, lints, and keeps comments', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-pin-'))
  try {
    const out = join(dir, 'podmap')
    const res = await pin(['--images', 'registry.example/acme', '--sniffer-digest', SNIFFER, '--mapper-digest', MAPPER, '--out', out])
    assert.equal(res.code, 0, res.stderr)
    const rendered = await helm(['template', 'podmap', out, '--namespace', 'podmap'])
    assert.equal(rendered.code, 0, rendered.stderr)
    const images = parseManifests(rendered.stdout)
      .filter((d) => d.kind === 'DaemonSet' || d.kind === 'Deployment')
      .map((d) => `${d.kind}=${(d as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers.map((c) => c.image).join(',')}`)
    assert.deepEqual(images.sort(), [`DaemonSet=registry.example/acme/podmap-sniffer@${SNIFFER}`, `Deployment=registry.example/acme/podmap-mapper@${MAPPER}`])
    const lint = await helm(['lint', out, '--strict'])
    assert.equal(lint.code, 0, lint.stdout + lint.stderr)
    const comments = (text: string): string[] => text.split('\n').filter((l) => l.trim().startsWith('#'))
    const original = await readFile(join(CHART, 'values.yaml'), 'utf8')
    assert.deepEqual(comments(await readFile(join(out, 'values.yaml'), 'utf8')), comments(original))
    assert.equal([...original.matchAll(/^ {4}digest: ""$/gm)].length, 2, 'the repository\'s own chart stays unpinned')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a bad digest, a destination without a host, or an existing --out directory: exit 2, nothing written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-pin-'))
  try {
    const bad = await pin(['--images', 'registry.example/acme', '--sniffer-digest', 'sha256:abc', '--mapper-digest', MAPPER, '--out', join(dir, 'x')])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--sniffer-digest sha256:abc: not sha256:<64 hex digits>/)
    const noHost = await pin(['--images', 'acme', '--sniffer-digest', SNIFFER, '--mapper-digest', MAPPER, '--out', join(dir, 'y')])
    assert.equal(noHost.code, 2)
    assert.match(noHost.stderr, /start with a registry host/)
    const exists = await pin(['--images', 'registry.example/acme', '--sniffer-digest', SNIFFER, '--mapper-digest', MAPPER, '--out', dir])
    assert.equal(exists.code, 2)
    assert.match(exists.stderr, /exists already/)
    assert.deepEqual(await readdir(dir), [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
