/**
 * The podmap command as an image runs it: TypeScript compiled with tsconfig.build.json into
 * node_modules/.cache/podmap-bench-dist (so node_modules resolves), run by plain node without tsx
 * (whose loader thread alone adds tens of MB of resident memory).
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** Compiles once and returns the argv prefix that runs `podmap` (e.g. [node, run.mjs]). */
export function buildPodmap (): string[] {
  const out = `${root}node_modules/.cache/podmap-bench-dist`
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', out], { stdio: 'pipe' })
  } catch {
    // tsc exits non-zero on type errors elsewhere in the tree but still emits; the run below fails loudly if not.
  }
  writeFileSync(`${out}/run.mjs`, "const { main } = await import('./src/cli/main.js')\nprocess.exitCode = await main(process.argv.slice(2))\n")
  return [process.execPath, `${out}/run.mjs`]
}
