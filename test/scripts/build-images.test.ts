/**
 * scripts/build-images.sh --push DEST --dry-run: the references it would push (tagged with the
 * chart's appVersion) and the `helm install` line it prints name the same images, for DEST with
 * the chart's own prefix (README's line), another prefix, none, and another tag. The real build
 * and push against a registry is test/images/registry.image-test.ts (npm run test:images).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { helm, parseManifests } from '../helm/helm-cli.js'
import { ROOT, readmeInstall, shellWords } from '../release/readme-install.js'

const exec = promisify(execFile)
const SCRIPT = join(ROOT, 'scripts', 'build-images.sh')

async function dryRun (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', [SCRIPT, ...args, '--dry-run'], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

async function appVersion (): Promise<string> {
  return (parseYaml(await readFile(join(ROOT, 'helm', 'podmap', 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion
}

/** The references a dry run would push, and the images the chart renders with its helm line. */
async function pushedAndRendered (args: string[]): Promise<{ pushed: string[], rendered: string[], line: string[] }> {
  const res = await dryRun(args)
  assert.equal(res.code, 0, res.stderr)
  const pushed = [...res.stdout.matchAll(/^build-images: would push (\S+)$/gm)].map((m) => m[1] as string)
  const line = /^build-images: then: (helm install .*)$/m.exec(res.stdout)?.[1]
  assert.ok(line, res.stdout)
  const argv = await shellWords(line)
  const out = await helm(['template', ...argv.slice(2)])
  assert.equal(out.code, 0, out.stderr)
  const rendered = parseManifests(out.stdout)
    .filter((d) => d.kind === 'DaemonSet' || d.kind === 'Deployment')
    .flatMap((d) => (d as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers.map((c) => c.image))
  return { pushed, rendered, line: argv }
}

test('README\'s push line: $REGISTRY/podmap/podmap-{sniffer,mapper}:<appVersion>, and README\'s helm line renders exactly those', async () => {
  const version = await appVersion()
  const readme = await readmeInstall()
  const env = { REGISTRY: '127.0.0.1:5000' }
  const pushArgv = await shellWords(readme.push, env)
  assert.equal(pushArgv[0], 'scripts/build-images.sh')
  const { pushed, rendered, line } = await pushedAndRendered(pushArgv.slice(1))
  assert.deepEqual(pushed, [`127.0.0.1:5000/podmap/podmap-sniffer:${version}`, `127.0.0.1:5000/podmap/podmap-mapper:${version}`])
  assert.deepEqual(rendered.sort(), [...pushed].sort())
  assert.deepEqual(line, await shellWords(readme.helmInstall, env), 'the printed line is README\'s')
})

test('another prefix, no prefix, another tag: the printed line still names exactly the pushed images', async () => {
  const version = await appVersion()
  for (const [args, expected] of [
    [['--push', 'registry.example:5000/team/images'], ['registry.example:5000/team/images/podmap-sniffer', 'registry.example:5000/team/images/podmap-mapper'].map((r) => `${r}:${version}`)],
    [['--push', 'registry.example:5000/'], ['registry.example:5000/podmap-sniffer', 'registry.example:5000/podmap-mapper'].map((r) => `${r}:${version}`)],
    [['--push', 'localhost/podmap', '--tag', '1.2.3-rc.1'], ['localhost/podmap/podmap-sniffer:1.2.3-rc.1', 'localhost/podmap/podmap-mapper:1.2.3-rc.1']]
  ] as const) {
    const { pushed, rendered } = await pushedAndRendered([...args])
    assert.deepEqual(pushed, expected)
    assert.deepEqual(rendered.sort(), [...pushed].sort(), args.join(' '))
  }
})

test('a destination without a registry host, or an unknown component, is refused with exit 2', async () => {
  const noHost = await dryRun(['--push', 'someone/podmap'])
  assert.equal(noHost.code, 2)
  assert.match(noHost.stderr, /--push someone\/podmap: start with a registry host/)
  const badChars = await dryRun(['--push', 'registry.example/a b'])
  assert.equal(badChars.code, 2)
  const only = await dryRun(['--only', 'proxy'])
  assert.equal(only.code, 2)
  assert.match(only.stderr, /--only sniffer or mapper, not proxy/)
})
