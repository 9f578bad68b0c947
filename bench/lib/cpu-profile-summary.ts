/**
 * Where a CPU profile (`node --cpu-prof`, written as the process exits) says the time went: self
 * time by function and by source file, as shares of the busy samples (idle apart), with garbage
 * collection and the program's own native time as their own rows:
 * `node --import tsx bench/lib/cpu-profile-summary.ts <file.cpuprofile> [top]`.
 * With bench:cluster: `--mapper-node-options="--cpu-prof --cpu-prof-dir=/tmp/cp"`, then the file the
 * mapper wrote as it stopped.
 */
import { readFileSync } from 'node:fs'

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

export interface CpuProfile { nodes: CpuProfileNode[], samples: number[], timeDeltas: number[] }

export interface CpuSummary {
  /** Sampled time, seconds. */
  sampledSeconds: number
  /** Share of all samples that were idle, percent. */
  idlePercent: number
  /** Shares of the busy samples, percent, largest first. */
  byFunction: Array<[string, number]>
  byFile: Array<[string, number]>
}

/** V8's pseudo-frames: no script, a name in parentheses. */
const IDLE = '(idle)'

function fileOf (url: string, functionName: string): string {
  if (url === '') return functionName === '' ? '(native)' : functionName
  return url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/(@[^/]+\/)?[^/]+)\/.*$/, '$1').replace(/^.*\/work\/[^/]+\//, '')
}

export function summariseCpu (profile: CpuProfile, top = 25): CpuSummary {
  const byId = new Map<number, CpuProfileNode>()
  for (const n of profile.nodes) byId.set(n.id, n)
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let total = 0
  let idle = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number)
    const dt = profile.timeDeltas[i] ?? 0
    if (node === undefined || dt <= 0) continue
    total += dt
    const { functionName, url, lineNumber } = node.callFrame
    if (url === '' && functionName === IDLE) { idle += dt; continue }
    const file = fileOf(url, functionName)
    const fn = url === '' ? file : `${functionName === '' ? '(anonymous)' : functionName} ${file}:${lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt)
    byFile.set(file, (byFile.get(file) ?? 0) + dt)
  }
  const busy = total - idle
  const shares = (m: Map<string, number>): Array<[string, number]> =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, busy > 0 ? Number((100 * v / busy).toFixed(1)) : 0])
  return {
    sampledSeconds: Number((total / 1e6).toFixed(2)),
    idlePercent: total > 0 ? Number((100 * idle / total).toFixed(1)) : 0,
    byFunction: shares(byFunction),
    byFile: shares(byFile)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (file === undefined) { console.error('usage: cpu-profile-summary <file.cpuprofile> [top]'); process.exit(1) }
  const s = summariseCpu(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(process.argv[3] ?? 25))
  console.log(`sampled ${s.sampledSeconds} s, idle ${s.idlePercent} %; shares of the busy samples:`)
  console.log('by file:')
  for (const [k, v] of s.byFile) console.log(`  ${v.toFixed(1).padStart(5)} %  ${k}`)
  console.log('by function:')
  for (const [k, v] of s.byFunction) console.log(`  ${v.toFixed(1).padStart(5)} %  ${k}`)
}
