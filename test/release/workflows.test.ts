/**
 * The GitHub workflows cannot run here, so they are linted: actionlint (built from its Go module at
 * the version pinned in scripts/lib-versions.sh by `npm run setup`), which runs Debian's shellcheck
 * on every `run:` step. A fixture shows both really report. Then what each workflow must do: CI
 * runs README's test command; the release builds both architectures natively, pushes, signs,
 * attests an SBOM and pushes the pinned chart.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { ROOT } from './readme-install.js'

const exec = promisify(execFile)
const ACTIONLINT = join(ROOT, '.tools', 'bin', 'actionlint')
const WORKFLOWS = ['ci.yml', 'release.yml'].map((f) => join('.github', 'workflows', f))

async function actionlint (args: string[]): Promise<{ code: number, out: string }> {
  assert.ok(existsSync(ACTIONLINT), `${ACTIONLINT} is missing: run \`npm run setup\` (scripts/install-lint-tools.sh builds it)`)
  try {
    const { stdout, stderr } = await exec(ACTIONLINT, ['-no-color', ...args], { cwd: ROOT, timeout: 120_000 })
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') }
  }
}

interface Step { name?: string, uses?: string, run?: string, with?: Record<string, unknown> }
interface Job { 'runs-on': string, needs?: string | string[], permissions?: Record<string, string>, strategy?: { matrix: { include: Array<Record<string, string>> } }, container?: { image: string, options?: string }, steps: Step[] }
interface Workflow { on: Record<string, unknown>, permissions?: Record<string, string>, env?: Record<string, string>, jobs: Record<string, Job> }

async function workflow (name: string): Promise<Workflow> {
  return parseYaml(await readFile(join(ROOT, '.github', 'workflows', name), 'utf8')) as Workflow
}

const runs = (job: Job | undefined): string => (job?.steps ?? []).map((s) => s.run ?? '').join('\n')

test('actionlint is the pinned version and finds shellcheck', async () => {
  const versions = await readFile(join(ROOT, 'scripts', 'lib-versions.sh'), 'utf8')
  const pinned = /^ACTIONLINT_VERSION=(\S+)/m.exec(versions)?.[1]
  assert.ok(pinned, 'ACTIONLINT_VERSION in scripts/lib-versions.sh')
  const { code, out } = await actionlint(['-version'])
  assert.equal(code, 0, out)
  assert.equal(out.split('\n')[0], pinned)
  const shellcheck = await exec('shellcheck', ['--version']).then(() => true, () => false)
  assert.ok(shellcheck, 'shellcheck is not on the PATH: run `npm run setup` (scripts/install-lint-tools.sh installs it)')
})

test('actionlint, with shellcheck on every run step, finds nothing in .github/workflows', async () => {
  const { code, out } = await actionlint(WORKFLOWS)
  assert.equal(out, '')
  assert.equal(code, 0)
})

test('the lint really reports: an unquoted variable (shellcheck) and untrusted input in a script (fixture)', async () => {
  const { code, out } = await actionlint([join('test', 'release', 'fixtures', 'unsafe-workflow.yml')])
  assert.equal(code, 1, out)
  assert.match(out, /SC2086.*\[shellcheck\]/)
  assert.match(out, /"github\.event\.pull_request\.title" is potentially untrusted.*\[expression\]/)
})

test('ci.yml runs README\'s test command (.ci/run) as root in a privileged Debian container', async () => {
  const ci = await workflow('ci.yml')
  assert.ok('pull_request' in ci.on && 'push' in ci.on)
  const job = ci.jobs.test
  assert.equal(job?.container?.image, 'debian:bookworm')
  assert.match(job?.container?.options ?? '', /--privileged/)
  assert.match(runs(job), /^bash \.ci\/run$/m)
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const command = /^npm run setup && npm test && npm run test:images\b/m.exec(readme)?.[0]
  assert.ok(command, 'README gives the test command')
  assert.match(await readFile(join(ROOT, '.ci', 'run'), 'utf8'), new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
})

test('release.yml: on tags, checks versions, builds amd64 and arm64 natively, pushes, signs, attests SBOMs, pushes the pinned chart', async () => {
  const release = await workflow('release.yml')
  assert.deepEqual(release.on, { push: { tags: ['v*.*.*'] } })
  assert.deepEqual(release.permissions, { contents: 'read' })
  const { version, images, publish } = release.jobs
  assert.match(runs(version), /node scripts\/version\.mjs check "\$GITHUB_REF_NAME"/)
  // The registry is configuration (a repository variable), never a host written into the workflow.
  assert.equal(release.env?.REGISTRY, '${{ vars.IMAGE_REGISTRY }}')
  assert.match(runs(version), /\[ -n "\$REGISTRY" \] \|\| \{ echo "::error::set the repository variable IMAGE_REGISTRY/)
  assert.deepEqual(images?.strategy?.matrix.include, [{ arch: 'amd64', runner: 'ubuntu-24.04' }, { arch: 'arm64', runner: 'ubuntu-24.04-arm' }])
  assert.equal(images?.['runs-on'], '${{ matrix.runner }}')
  assert.match(runs(images), /scripts\/build-images\.sh --push "\$IMAGES" --tag "\$TAG"/)
  assert.match(runs(images), /cosign attest --yes --type spdxjson/)
  assert.match(runs(publish), /buildah manifest push --all/)
  assert.match(runs(publish), /cosign sign --yes --recursive/)
  assert.match(runs(publish), /node scripts\/pin-chart\.mjs/)
  assert.match(runs(publish), /helm push "build\/podmap-\$VERSION\.tgz" "oci:\/\/\$IMAGES\/charts"/)
  for (const job of [images, publish]) {
    // Keyless signing takes the job's OIDC token; pushing to the forge's package registry takes packages: write.
    assert.deepEqual(job?.permissions, { contents: 'read', packages: 'write', 'id-token': 'write' })
  }
})
