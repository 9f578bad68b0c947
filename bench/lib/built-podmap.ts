/**
 * The podmap command as an image runs it. The sniffer: bundled by scripts/bundle-sniffer.mjs into
 * node_modules/.cache/podmap-sniffer.mjs (next to node_modules, so `cap` resolves). Everything else:
 * TypeScript compiled with tsconfig.build.json into
 * node_modules/.cache/podmap-bench-dist (so node_modules resolves), run by plain node without tsx
 * (whose loader thread alone adds tens of MB of resident memory).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  writeFileSync(`${out}/run.mjs`, "const { main } = await import('./cli/main.js')\nprocess.exitCode = await main(process.argv.slice(2))\n")
  return [process.execPath, `${out}/run.mjs`]
}

/** Bundles the sniffer as its image does and returns the argv prefix that runs it ([node, bundle]). */
export function buildSnifferBundle (): string[] {
  const out = `${root}node_modules/.cache/podmap-sniffer.mjs`
  execFileSync(process.execPath, [`${root}scripts/bundle-sniffer.mjs`, '--outfile', out], { stdio: 'pipe' })
  return [process.execPath, out]
}

/**
 * Bundles the sniffer as git revision `rev` had it (its sources from `git archive`, bundled by its
 * own scripts/bundle-sniffer.mjs against this tree's node_modules), for a before/after in one run.
 * The bundle loads this tree's `cap`: the patch's additions are opt-in, so an older sniffer gets
 * the addon it was built for. Returns the argv prefix and the commit it resolved to.
 */
export function buildSnifferBundleAt (rev: string): { argv: string[], commit: string } {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', rev], { encoding: 'utf8' }).trim()
  const dir = mkdtempSync(join(tmpdir(), 'podmap-baseline-'))
  try {
    execFileSync('sh', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'sh', root, commit, dir])
    symlinkSync(`${root}node_modules`, join(dir, 'node_modules'))
    const out = `${root}node_modules/.cache/podmap-sniffer-${commit}.mjs`
    execFileSync(process.execPath, [join(dir, 'scripts/bundle-sniffer.mjs'), '--outfile', out], { stdio: 'pipe' })
    return { argv: [process.execPath, out], commit }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * How a bench runs the sniffer: as its image does (Dockerfile.sniffer: the node flags of its
 * ENTRYPOINT and ENV MALLOC_ARENA_MAX), unless the bench's arguments say otherwise
 * (`--node-flag=...`, repeatable, replaces the flags; `--no-image-runtime` drops both).
 */
export function snifferRuntime (args: string[]): { nodeFlags: string[], env: Record<string, string> } {
  const given = args.filter((a) => a.startsWith('--node-flag=')).map((a) => a.slice('--node-flag='.length))
  if (args.includes('--no-image-runtime')) return { nodeFlags: given, env: {} }
  const dockerfile = readFileSync(`${root}Dockerfile.sniffer`, 'utf8')
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1]
  const arenas = /^ENV MALLOC_ARENA_MAX=(\d+)$/m.exec(dockerfile)?.[1]
  if (entrypoint === undefined || arenas === undefined) throw new Error('Dockerfile.sniffer has no ENTRYPOINT [...] or ENV MALLOC_ARENA_MAX=N')
  const imageFlags = (JSON.parse(entrypoint) as string[]).filter((a) => a.startsWith('--'))
  return { nodeFlags: given.length > 0 ? given : imageFlags, env: { MALLOC_ARENA_MAX: arenas } }
}

/**
 * Bundles a bench script (and the podmap modules it imports) into one ES module next to
 * node_modules, so its measuring children run on plain node as the images run compiled code, without
 * tsx's loader in their memory. Returns the bundle's path.
 */
export async function bundleScript (entry: string, name: string): Promise<string> {
  const { build } = await import('esbuild')
  const outfile = `${root}node_modules/.cache/${name}.mjs`
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, packages: 'external', logLevel: 'warning' })
  return outfile
}
