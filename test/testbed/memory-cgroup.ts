/**
 * A memory cgroup of our own, as a container's memory limit: the mapper runs in one in bench:cluster
 * (so Node sizes its heap from the limit, as in the chart's pod, and the kernel OOM-kills past it)
 * and the image test checks the heap limit the mapper image's NODE_OPTIONS gives under one. cgroup
 * v2 (memory.max) where the memory controller is there, else v1 (/sys/fs/cgroup/memory, as on hybrid
 * hosts like this machine's). Needs root; anything missing is an error that says what.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface MemoryCgroup {
  path: string
  limitBytes: number
  /** The command line that runs `argv` inside the cgroup (it joins, then execs). */
  wrap: (argv: string[]) => string[]
  /** Highest memory use seen (bytes), where the kernel says. */
  peakBytes: () => number | undefined
  /** Processes the kernel OOM-killed in it. */
  oomKills: () => number
  /** Removes it (its processes must have ended). */
  remove: () => void
}

const V2_ROOT = '/sys/fs/cgroup'
const V1_ROOT = '/sys/fs/cgroup/memory'

const read = (file: string): string | undefined => { try { return readFileSync(file, 'utf8') } catch { return undefined } }

export function createMemoryCgroup (name: string, limitBytes: number): MemoryCgroup {
  if (process.getuid?.() !== 0) throw new Error('a memory cgroup needs root')
  const v2 = (read(join(V2_ROOT, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')
  if (!v2 && !existsSync(join(V1_ROOT, 'memory.limit_in_bytes'))) throw new Error(`no memory controller: neither cgroup v2 at ${V2_ROOT} lists "memory" nor is cgroup v1 mounted at ${V1_ROOT}`)
  const path = join(v2 ? V2_ROOT : V1_ROOT, name)
  mkdirSync(path, { recursive: true })
  writeFileSync(join(path, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limitBytes))
  if (v2) { try { writeFileSync(join(path, 'memory.swap.max'), '0') } catch { /* no swap accounting */ } }
  const procs = join(path, 'cgroup.procs')
  return {
    path,
    limitBytes,
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$0" && exec "$@"', procs, ...argv],
    peakBytes: () => {
      const text = read(join(path, v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'))
      return text === undefined ? undefined : Number(text.trim())
    },
    oomKills: () => {
      const text = read(join(path, v2 ? 'memory.events' : 'memory.oom_control')) ?? ''
      return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0)
    },
    remove: () => {
      for (let i = 0; i < 50; i++) {
        try { rmdirSync(path); return } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100) }
      }
      throw new Error(`could not remove ${path}: processes still in it`)
    }
  }
}

/** "1Gi", "512Mi", "2G", "1073741824" -> bytes; undefined if not a size. */
export function parseBytes (text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(text.trim())
  if (m === null) return undefined
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1
  return Math.round(Number(m[1]) * unit)
}
