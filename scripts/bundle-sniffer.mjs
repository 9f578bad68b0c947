#!/usr/bin/env node
/**
 * Bundles the sniffer (cli/sniffer-main.ts and what it imports) into one ES module,
 * dist/podmap-sniffer.mjs, the file the sniffer image runs. One module instead of ~150 saves the
 * per-module cost, and zod/mini is tree-shaken to the few validators the options use: together
 * ~15 MB of resident memory on a process whose budget is 60 MB (BENCHMARKS.md). `cap`, a native
 * addon, stays outside and is loaded from node_modules.
 *
 * usage: node scripts/bundle-sniffer.mjs [--outfile PATH] [--metafile PATH]
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { writeFileSync } from 'node:fs'

const root = fileURLToPath(new URL('..', import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]
}
const outfile = arg('outfile', `${root}dist/podmap-sniffer.mjs`)
const metafile = arg('metafile', undefined)

const result = await build({
  absWorkingDir: root,
  entryPoints: ['cli/sniffer-main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['cap'],
  // CommonJS dependencies (pino) call require() for Node's built-ins: give the ES module one.
  banner: { js: "import { createRequire as __podmapCreateRequire } from 'node:module'\nconst require = __podmapCreateRequire(import.meta.url)" },
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
  legalComments: 'eof',
  metafile: metafile !== undefined,
  logLevel: 'warning'
})
if (metafile !== undefined) writeFileSync(metafile, JSON.stringify(result.metafile))
console.log(`bundled ${outfile}`)
