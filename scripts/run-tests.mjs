#!/usr/bin/env node
// Runs node:test over test/**/*.test.ts, one file at a time (PODMAP_TEST_CONCURRENCY for more).
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/)
// Always runs the tests on the project's pinned Node (NODE_VERSION in scripts/lib-versions.sh):
// started by another node (the machine's, from a shell), it runs itself again through
// scripts/with-node.sh, which fails saying why when `npm run setup` has not installed that Node.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'

const pinned = /^NODE_VERSION=(\S+)/m.exec(readFileSync(new URL('./lib-versions.sh', import.meta.url), 'utf8'))?.[1]
if (process.version !== `v${pinned}`) {
  const again = spawnSync('sh', [fileURLToPath(new URL('./with-node.sh', import.meta.url)), 'node', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(again.status ?? 1)
}

function collect (path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out)
  } else if (path.endsWith('.test.ts')) {
    out.push(path)
  }
  return out
}

const roots = process.argv.slice(2)
const files = (roots.length > 0 ? roots : ['test']).flatMap((r) => collect(r, []))
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(' ') || 'test')
  process.exit(1)
}
// Files at a time (PODMAP_TEST_CONCURRENCY, default 1). Most of the suite's time is waiting (for
// clusters to settle, reports to arrive, timeouts to pass), and testbeds and control planes take
// their own address slot, namespaces and free ports (test/testbed/address-plan.ts), so 2 runs the
// suite in about 12 minutes instead of 20; it stays opt-in until two load-sensitive races it
// exposed (README, How it is tested) are fixed.
const concurrency = Number(process.env.PODMAP_TEST_CONCURRENCY ?? '1')
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`run-tests: PODMAP_TEST_CONCURRENCY=${process.env.PODMAP_TEST_CONCURRENCY}: not a whole number of at least 1`)
  process.exit(2)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
