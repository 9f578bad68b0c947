/**
 * One run of testbed machinery that owns processes, network namespaces and a folder: a slot claimed
 * in /run/podmap-testbed (which fixes the address plan), every process started through `spawnOwned`
 * recorded there with its start time, and everything torn down by `stop()`, on exit or signal, or
 * by the next run's sweep when the owner died (state-registry.ts). Processes are also started with
 * a parent-death signal, so a SIGKILLed test takes its processes with it at once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { addressPlan, type AddressPlan } from './address-plan.js'
import { registerForExitCleanup, unregisterFromExitCleanup } from './exit-cleanup.js'
import { claimSlot, procStartTime, sweepStaleTestbeds, teardownSync, writeState, type TestbedState } from './state-registry.js'

export interface OwnedRun {
  prefix: string
  slot: number
  plan: AddressPlan
  dir: string
  state: TestbedState
  /** Records a process (or a network namespace) for teardown. */
  track: (pid: number) => void
  trackNamespace: (netns: string) => void
  /** Starts a process that dies with this one; its output goes to <dir>/<name>.log. */
  spawnOwned: (name: string, argv: string[], opts?: { env?: NodeJS.ProcessEnv, stdio?: 'pipe' | 'log' }) => ChildProcess
  logFile: (name: string) => string
  stop: () => Promise<void>
}

export function claimRun (kind: string): OwnedRun {
  sweepStaleTestbeds()
  const prefix = `pm${randomBytes(2).toString('hex')}`
  const dir = mkdtempSync(`/tmp/podmap-${kind}-${prefix}-`)
  let state: TestbedState
  try {
    state = claimSlot(prefix, dir)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  registerForExitCleanup(state)
  const children = new Set<ChildProcess>()
  const logFile = (name: string): string => join(dir, `${name}.log`)
  const track = (pid: number): void => {
    state.pids.push({ pid, start: procStartTime(pid) ?? '' })
    writeState(state)
  }
  const run: OwnedRun = {
    prefix,
    slot: state.slot,
    plan: addressPlan(state.slot),
    dir,
    state,
    track,
    trackNamespace: (netns) => { state.namespaces.push(netns); writeState(state) },
    logFile,
    spawnOwned: (name, argv, opts = {}) => {
      const [cmd, ...args] = argv
      if (cmd === undefined) throw new Error('spawnOwned: empty argv')
      let fd: number | undefined
      if (opts.stdio !== 'pipe') fd = openSync(logFile(name), 'a')
      const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args], {
        env: opts.env ?? process.env,
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd]
      })
      if (fd !== undefined) closeSync(fd)
      if (child.pid !== undefined) { track(child.pid); children.add(child) }
      child.once('exit', () => children.delete(child))
      return child
    },
    stop: async () => {
      await Promise.all([...children].map(async (c) => await new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) { resolve(); return }
        const t = setTimeout(() => { c.kill('SIGKILL') }, 3000)
        t.unref()
        c.once('exit', () => { clearTimeout(t); resolve() })
        c.kill('SIGTERM')
      })))
      teardownSync(state)
      unregisterFromExitCleanup(state)
    }
  }
  return run
}
