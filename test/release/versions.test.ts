/**
 * One version everywhere: package.json, package-lock.json, the chart's version and appVersion,
 * CHANGELOG.md's first section, the image tags build-images.sh pushes and the tags the chart and
 * deploy/ render (scripts/version.mjs). A disagreement fails here, naming where.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { ROOT } from './readme-install.js'
import { parseManifests } from '../helm/helm-cli.js'

const exec = promisify(execFile)
const VERSION_SCRIPT = join(ROOT, 'scripts', 'version.mjs')

async function run (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [VERSION_SCRIPT, ...args], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** A copy of the files scripts/version.mjs reads and writes. */
async function copyOfVersionFiles (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-version-'))
  for (const f of ['package.json', 'package-lock.json', 'CHANGELOG.md', 'helm/podmap/Chart.yaml']) await cp(join(ROOT, f), join(dir, f))
  return dir
}

test('package.json, package-lock.json, Chart.yaml version and appVersion and CHANGELOG.md agree', async () => {
  const res = await run(['check'])
  assert.equal(res.code, 0, res.stderr)
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const chart = parseYaml(await readFile(join(ROOT, 'helm', 'podmap', 'Chart.yaml'), 'utf8')) as { version: string, appVersion: string }
  assert.equal(chart.version, pkg.version)
  assert.equal(chart.appVersion, pkg.version)
  assert.match(res.stdout, new RegExp(`^version: ${pkg.version.replaceAll('.', '\\.')} everywhere`))
  // The images' org.opencontainers.image.source label is package.json's repository; the chart names the same.
  const repo = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string } }).repository.url
  assert.deepEqual((parseYaml(await readFile(join(ROOT, 'helm', 'podmap', 'Chart.yaml'), 'utf8')) as { sources: string[] }).sources, [repo])
})

test('deploy/podmap.yaml names both images with the version as their tag', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const docs = parseManifests(await readFile(join(ROOT, 'deploy', 'podmap.yaml'), 'utf8'))
  const images = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'DaemonSet')
    .flatMap((d) => (d as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers.map((c) => c.image))
  assert.equal(images.length, 2)
  for (const image of images) assert.ok(image.endsWith(`:${pkg.version}`), image)
})

test('a disagreement fails, naming each place and the expected version', async () => {
  const dir = await copyOfVersionFiles()
  try {
    const chart = join(dir, 'helm', 'podmap', 'Chart.yaml')
    await writeFile(chart, (await readFile(chart, 'utf8')).replace(/^appVersion:.*$/m, 'appVersion: "9.9.9"'))
    const log = join(dir, 'CHANGELOG.md')
    await writeFile(log, (await readFile(log, 'utf8')).replace(/^## \d+\.\d+\.\d+/m, '## 0.0.9'))
    const res = await run(['check', '--root', dir])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /2 disagreement/)
    assert.match(res.stderr, /helm\/podmap\/Chart\.yaml appVersion is 9\.9\.9, not /)
    assert.match(res.stderr, /CHANGELOG\.md first version heading is 0\.0\.9, not /)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a release tag must equal v<version> and its CHANGELOG section must carry a date', async () => {
  const dir = await copyOfVersionFiles()
  try {
    const set = await run(['set', '3.4.5', '--root', dir])
    assert.equal(set.code, 0, set.stderr)
    assert.equal((await run(['check', '--root', dir])).code, 0)
    const undated = await run(['check', 'v3.4.5', '--root', dir])
    assert.equal(undated.code, 1)
    assert.match(undated.stderr, /3\.4\.5 section has no release date/)
    const log = join(dir, 'CHANGELOG.md')
    await writeFile(log, (await readFile(log, 'utf8')).replace('## 3.4.5 - unreleased', '## 3.4.5 - 2026-12-01'))
    const ok = await run(['check', 'v3.4.5', '--root', dir])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /release v3\.4\.5, 2026-12-01/)
    const wrongTag = await run(['check', 'v3.4.6', '--root', dir])
    assert.equal(wrongTag.code, 1)
    assert.match(wrongTag.stderr, /release tag v3\.4\.6 is not v3\.4\.5/)
    // set wrote every place, and kept the older sections.
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as { version: string, packages: Record<string, { version?: string }> }
    assert.equal(lock.packages['']?.version, '3.4.5')
    assert.match(await readFile(log, 'utf8'), /## 3\.4\.5 - 2026-12-01\n\n## \d+\.\d+\.\d+/)
    assert.equal((await run(['set', 'latest', '--root', dir])).code, 2)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
