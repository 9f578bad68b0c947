/** CPU time and resident memory of a process, from /proc/<pid>/stat and /proc/<pid>/status. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let clockTicks: number | undefined

/** The kernel's USER_HZ (getconf CLK_TCK), read once. */
export function clockTicksPerSecond (): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  return clockTicks
}

/** utime + stime of `pid` in seconds. */
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return (utime + stime) / clockTicksPerSecond()
}

/** VmRSS of `pid` in MiB. */
export function rssMiB (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  return m?.[1] === undefined ? 0 : Number(m[1]) / 1024
}

/** Samples a process's CPU between start() and stop(), as a fraction of one core. */
export function cpuWindow (pid: number): { stop: () => { cpuPercent: number, seconds: number } } {
  const cpu0 = cpuSeconds(pid)
  const t0 = process.hrtime.bigint()
  return {
    stop () {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      return { cpuPercent: 100 * (cpuSeconds(pid) - cpu0) / seconds, seconds }
    }
  }
}

/** VmRSS split as the kernel counts it: anonymous (heap), file-backed (node's code), shared memory; MiB. */
export function rssBreakdownMiB (pid: number): { anon: number, file: number, shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) / 1024
  return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') }
}

/** Voluntary context switches of `pid`'s main thread: how often it went to sleep (and was woken). */
export function voluntarySwitches (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? NaN)
}
