/**
 * scripts/lib-apt.sh apt_mirror: scripts/build-base-image.sh takes its Debian mirror from the
 * machine's own apt sources (one-line .list files and deb822 .sources files), never from an
 * address of its own. Fixtures use documentation host names.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const LIB = join(import.meta.dirname, '..', '..', 'scripts', 'lib-apt.sh')

/** Lays out an /etc/apt-like folder from `files` (path -> text) and runs apt_mirror SUITE on it. */
async function mirror (suite: string, files: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'podmap-apt-'))
  try {
    await mkdir(join(dir, 'sources.list.d'))
    for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text)
    const { stdout, stderr } = await exec('bash', ['-c', `. "${LIB}" && apt_mirror "$1" "$2"`, 'apt-mirror', suite, dir])
    return { code: 0, stdout: stdout.trim(), stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: (e.stdout ?? '').trim(), stderr: e.stderr ?? '' }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('a deb822 .sources file: the enabled deb entry serving the suite, continuation lines read', async () => {
  const res = await mirror('bookworm', {
    'sources.list.d/debian.sources': [
      '# a disabled one first',
      'Types: deb',
      'URIs: http://off.mirror.example/debian',
      'Suites: bookworm',
      'Components: main',
      'Enabled: no',
      '',
      'Types: deb-src',
      'URIs: http://src.mirror.example/debian',
      'Suites: bookworm',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://one.mirror.example/debian/',
      'Suites:',
      ' bookworm-updates',
      ' bookworm',
      'Components: main',
      ''
    ].join('\n'),
    'sources.list.d/other.sources.disabled': 'Types: deb\nURIs: http://ignored.mirror.example/debian\nSuites: bookworm\nComponents: main\n'
  })
  assert.equal(res.code, 0, res.stderr)
  assert.equal(res.stdout, 'http://one.mirror.example/debian')
})

test('a one-line sources.list with options and comments', async () => {
  const res = await mirror('bookworm', {
    'sources.list': [
      '# deb http://commented.mirror.example/debian bookworm main',
      'deb-src http://src.mirror.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://two.mirror.example/debian bookworm main # trailing',
      ''
    ].join('\n')
  })
  assert.equal(res.code, 0, res.stderr)
  assert.equal(res.stdout, 'http://two.mirror.example/debian')
})

test('the suite itself wins over an earlier entry for another suite; else a URI ending in /debian', async () => {
  const files = {
    'sources.list.d/a.list': 'deb http://vendor.example/repo nodistro main\ndeb http://three.mirror.example/debian trixie main\n',
    'sources.list.d/b.list': 'deb http://four.mirror.example/debian bookworm main\n'
  }
  assert.equal((await mirror('bookworm', files)).stdout, 'http://four.mirror.example/debian')
  assert.equal((await mirror('sid', files)).stdout, 'http://three.mirror.example/debian')
})

test('no usable entry: exit 1 naming the files read and DEBIAN_MIRROR', async () => {
  const res = await mirror('bookworm', { 'sources.list.d/vendor.list': 'deb http://vendor.example/repo nodistro main\n' })
  assert.notEqual(res.code, 0)
  assert.equal(res.stdout, '')
  assert.match(res.stderr, /no deb entry for bookworm .*vendor\.list.*set DEBIAN_MIRROR/)
})

test('scripts/build-base-image.sh names no mirror of its own', async () => {
  const script = await readFile(join(import.meta.dirname, '..', '..', 'scripts', 'build-base-image.sh'), 'utf8')
  assert.doesNotMatch(script, /https?:\/\//)
  assert.match(script, /apt_mirror bookworm/)
})
