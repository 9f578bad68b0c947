/**
 * What a sampling heap profile (`node --heap-prof`, written as the process exits) says is live, by
 * allocating function and by source file: `node --import tsx bench/lib/heap-profile-summary.ts
 * <file.heapprofile> [top]`. With bench:cluster: `--mapper-node-options "--heap-prof
 * --heap-prof-dir=/tmp/hp"`, then the file the mapper wrote as it stopped.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  callFrame: { functionName: string, url: string, lineNumber: number }
  selfSize: number
  children: ProfileNode[]
}

export interface HeapSummary { totalMiB: number, byFunction: Array<[string, number]>, byFile: Array<[string, number]> }

export function summarise (profile: { head: ProfileNode }, top = 20): HeapSummary {
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let total = 0
  const stack: ProfileNode[] = [profile.head]
  while (stack.length > 0) {
    const n = stack.pop() as ProfileNode
    if (n.selfSize > 0) {
      const file = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/work\/[^/]+\//, '')
      const fn = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.selfSize)
      byFile.set(file || '(native)', (byFile.get(file || '(native)') ?? 0) + n.selfSize)
      total += n.selfSize
    }
    for (const c of n.children) stack.push(c)
  }
  const mib = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, Number((v / 1048576).toFixed(1))])
  return { totalMiB: Number((total / 1048576).toFixed(1)), byFunction: mib(byFunction), byFile: mib(byFile) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (file === undefined) { console.error('usage: heap-profile-summary <file.heapprofile> [top]'); process.exit(1) }
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode }, Number(process.argv[3] ?? 20))
  console.log(`live (sampled): ${s.totalMiB} MiB`)
  console.log('by function:')
  for (const [k, v] of s.byFunction) console.log(`  ${String(v).padStart(8)} MiB  ${k}`)
  console.log('by file:')
  for (const [k, v] of s.byFile) console.log(`  ${String(v).padStart(8)} MiB  ${k}`)
}
