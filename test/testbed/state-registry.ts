/**
 * Records every live testbed in /run/podmap-testbed/slot-<n>.json (owner PID + start time, its
 * namespaces, the PIDs it started, its temp dir). Creating the file with O_EXCL claims the slot,
 * which fixes the testbed's address ranges. A file whose owner is gone belongs to a crashed run:
 * `sweepStaleTestbeds` tears it down. Everything here is synchronous so it can run in
 * process.on('exit').
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, type Dirent } from 'node:fs'
import { join } from 'node:path'
import { MAX_SLOTS } from './address-plan.js'

export const STATE_DIR = '/run/podmap-testbed'

export interface TrackedPid {
  pid: number
  start: string
}

export interface TestbedState {
  prefix: string
  slot: number
  owner: TrackedPid
  namespaces: string[]
  pids: TrackedPid[]
  tempDir?: string
  /** cgroup folders made for the run's nodes (removed deepest first). */
  cgroups?: string[]
  /** Every network namespace whose name starts with this is the run's (made by its node agents). */
  netnsPrefix?: string
}

/** Start time (clock ticks since boot) of a process, or undefined when it does not exist. */
export function procStartTime (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return rest[19] // field 22 overall
  } catch {
    return undefined
  }
}

export function isAlive (p: TrackedPid): boolean {
  return procStartTime(p.pid) === p.start
}

export function selfPid (): TrackedPid {
  return { pid: process.pid, start: procStartTime(process.pid) ?? '' }
}

export function statePath (slot: number): string {
  return join(STATE_DIR, `slot-${slot}.json`)
}

export function writeState (state: TestbedState): void {
  writeFileSync(statePath(state.slot), JSON.stringify(state))
}

/** Claims the lowest free slot by creating its state file exclusively. */
export function claimSlot (prefix: string, tempDir: string): TestbedState {
  mkdirSync(STATE_DIR, { recursive: true })
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const state: TestbedState = { prefix, slot, owner: selfPid(), namespaces: [], pids: [], tempDir }
    try {
      writeFileSync(statePath(slot), JSON.stringify(state), { flag: 'wx' })
      return state
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  throw new Error(`testbed: all ${MAX_SLOTS} slots in ${STATE_DIR} are taken by live testbeds`)
}

/** Kills (SIGKILL) the recorded processes still alive, deletes namespaces, /etc/netns dirs, temp dir, state file. */
export function teardownSync (state: TestbedState): void {
  for (const p of state.pids) {
    if (isAlive(p)) {
      try { process.kill(p.pid, 'SIGKILL') } catch { /* already gone */ }
    }
  }
  // Node namespace last: it holds the other ends of every veth.
  const ordered = [...state.namespaces].sort((a, b) => Number(a.endsWith('-node')) - Number(b.endsWith('-node')))
  for (const ns of ordered) {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 })
    rmSync(join('/etc/netns', ns), { recursive: true, force: true })
  }
  if (state.netnsPrefix !== undefined && state.netnsPrefix.length > 4) {
    let named: string[] = []
    try { named = readdirSync('/run/netns') } catch { /* none */ }
    for (const ns of named.filter((n) => n.startsWith(state.netnsPrefix as string))) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 })
      rmSync(join('/etc/netns', ns), { recursive: true, force: true })
    }
  }
  // Processes of a killed PID namespace exit asynchronously: give their cgroups a moment to empty.
  for (const root of state.cgroups ?? []) {
    for (let i = 0; i < 40 && existsSync(root); i++) {
      removeCgroupTree(root)
      if (existsSync(root)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
    }
  }
  if (state.tempDir !== undefined && state.tempDir.startsWith('/tmp/')) rmSync(state.tempDir, { recursive: true, force: true })
  rmSync(statePath(state.slot), { force: true })
}

/** rmdir of a cgroup folder and everything below it, deepest first (cgroupfs folders hold no files to remove). */
function removeCgroupTree (dir: string): void {
  let entries: Dirent[] = []
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(join(dir, e.name))
  try { rmdirSync(dir) } catch { /* a process is still inside, or it is gone already */ }
}

function readState (file: string): TestbedState | undefined {
  try {
    return JSON.parse(readFileSync(join(STATE_DIR, file), 'utf8')) as TestbedState
  } catch {
    return undefined
  }
}

/** Tears down testbeds whose owner process is gone; returns their prefixes. */
export function sweepStaleTestbeds (): string[] {
  let files: string[]
  try {
    files = readdirSync(STATE_DIR).filter((f) => /^slot-\d+\.json$/.test(f))
  } catch {
    return []
  }
  const swept: string[] = []
  for (const f of files) {
    const state = readState(f)
    if (state === undefined || isAlive(state.owner)) continue
    teardownSync(state)
    swept.push(state.prefix)
  }
  return swept
}
