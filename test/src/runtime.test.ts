/**
 * Every test run is on the one pinned Node.js (NODE_VERSION in scripts/lib-versions.sh, installed by
 * `npm run setup` through scripts/install-node.sh): the process running the tests, the `node` its
 * children find on the PATH, the ABI the native `cap` addon was compiled for, and the default base
 * of both Dockerfiles. The images' own node is checked by test/images.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const root = new URL('../../', import.meta.url)
const versions = readFileSync(new URL('scripts/lib-versions.sh', root), 'utf8')
const pinned = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(versions)?.[1]

test('scripts/lib-versions.sh pins a Node 24 release', () => {
  assert.match(pinned ?? '', /^24\.\d+\.\d+$/, `NODE_VERSION in scripts/lib-versions.sh: ${String(pinned)}`)
})

test('the tests run on the pinned Node', () => {
  assert.equal(process.version, `v${String(pinned)}`, 'run the tests through npm (npm test, npm run test:unit) or scripts/with-node.sh, after `npm run setup`')
})

test('`node` on the PATH of the tests (what scripts and spawned programs find) is the pinned Node', () => {
  assert.equal(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim(), `v${String(pinned)}`)
})

test('package.json engines admit the pinned Node and no older major', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines?: { node?: string } }
  const range = pkg.engines?.node ?? ''
  const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range)
  assert.ok(floor !== null, `engines.node is a caret range: ${range}`)
  const [major, minor, patch] = (pinned ?? '').split('.').map(Number)
  assert.equal(Number(floor[1]), major, `engines.node ${range} is for Node ${String(major)}`)
  assert.ok(Number(floor[2]) * 1e6 + Number(floor[3]) <= (minor ?? 0) * 1e6 + (patch ?? 0), `engines.node ${range} admits v${String(pinned)}`)
})

test('every npm script that starts node goes through scripts/with-node.sh', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
  const bypass = Object.entries(pkg.scripts)
    .filter(([, cmd]) => cmd.split('&&').some((part) => /^\s*node\s/.test(part)))
    .map(([name]) => name)
  assert.deepEqual(bypass, [], `scripts running node without scripts/with-node.sh: ${bypass.join(', ')}`)
})

test('the native `cap` addon loads: it was compiled for this Node\'s ABI', () => {
  const require = createRequire(import.meta.url)
  const { Cap } = require('cap') as { Cap: { deviceList: () => unknown[] } }
  assert.ok(Array.isArray(Cap.deviceList()))
})

for (const component of ['sniffer', 'mapper']) {
  test(`Dockerfile.${component} defaults to the official node image of the pinned version, by its short name (no registry named)`, () => {
    const dockerfile = readFileSync(new URL(`Dockerfile.${component}`, root), 'utf8')
    const base = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]
    assert.equal(base, `node:${String(pinned)}-bookworm-slim`)
  })
}
