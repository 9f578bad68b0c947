#!/usr/bin/env node
// The `podmap` command (also installed as `kubectl-podmap`). In a development checkout it runs the
// TypeScript sources through tsx; in an image (no tsx, no src) it runs the compiled dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('../cli/main.ts', import.meta.url))
let useSource = false
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api')
    register()
    useSource = true
  } catch {
    useSource = false
  }
}
const entry = useSource ? new URL('../cli/main.ts', import.meta.url) : new URL('../dist/cli/main.js', import.meta.url)
const { main } = await import(entry.href)
// Hold the event loop until the command has finished: a client command's port-forward handles are
// unref'd so that they never keep the process alive afterwards, and without this a request still in
// flight through them could let the loop drain first (exit code 13, unsettled top-level await).
const hold = setInterval(() => {}, 1 << 30)
try {
  process.exitCode = await main(process.argv.slice(2))
} finally {
  clearInterval(hold)
}
