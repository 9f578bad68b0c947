/**
 * The entries load only what their image ships: `podmap` (bin/podmap.js -> cli/main.ts) reaches
 * no sniffer/ or mapper/ module before a command runs (the mapper image has no sniffer code), and the
 * sniffer image's entry (cli/sniffer-main.ts) reaches no mapper/ module.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')

/** Every project file reached from `entry` through static value imports (type-only imports are erased). */
function staticGraph (entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/gm)) {
      visit(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))
    }
  }
  visit(join(ROOT, entry))
  return [...seen].map((f) => relative(ROOT, f)).sort()
}

test('podmap\'s entry loads no sniffer or mapper code up front', () => {
  const graph = staticGraph('cli/main.ts')
  assert.ok(graph.includes('cli/dispatch.ts'))
  assert.deepEqual(graph.filter((f) => f.startsWith('sniffer/') || f.startsWith('mapper/')), [])
})

test('the sniffer image\'s entry reaches the sniffer and never the mapper', () => {
  const graph = staticGraph('cli/sniffer-main.ts')
  assert.ok(graph.includes('sniffer/config.ts'), graph.join(', '))
  assert.deepEqual(graph.filter((f) => f.startsWith('mapper/')), [])
})
