/**
 * Which pod owns a socket of the node's own network namespace (a hostNetwork pod's): for each
 * process of that namespace, its pod from /proc/<pid>/cgroup (cached per pid while it lives); only
 * the processes that belong to a pod have their /proc/<pid>/fd links read, looking for the wanted
 * socket inodes. Host daemons outside kubepods (kubelet, containerd, sshd) cost a small read per
 * scan for their first NOT_A_POD_SETTLES_MS and nothing after: a container's first process is
 * started outside its pod's cgroup and moved in (runc, `kubectl exec`), so "not a pod's" is only
 * believed once a process has kept it that long.
 *
 * The pids come from the scan's listing, taken before the sockets were read: a process that joined
 * the namespace in between (a hostNetwork pod's process just started, or one moved in by `nsenter`)
 * owns a socket the listing lacks. Inodes still unowned after the listed pids are looked for once
 * more among `more(listed)` (the pids that joined, listed after the sockets were read), so such a socket
 * is its pod's, not the node's.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import { parseCgroup, type PodRef } from './cgroup.js'

export interface SocketOwners {
  /** Pods owning any of `inodes`, among `pids` (all of one namespace); then, for inodes still unowned, among `more(pids)`: the namespace's pids that were not in `pids`. */
  find(pids: readonly string[], inodes: ReadonlySet<number>, more?: (listed: ReadonlySet<string>) => Promise<readonly string[]>): Promise<Map<number, PodRef>>
}

/** How long a process must stay outside every pod's cgroup before that is cached. */
export const NOT_A_POD_SETTLES_MS = 10_000

const MAX_FDS_PER_PROCESS = 65_536

export function createSocketOwners (procRoot: string, onError: (reason: string) => void, now: () => number = Date.now): SocketOwners {
  const podOfPid = new Map<string, PodRef | null>()
  /** Pids seen outside every pod's cgroup, not yet for NOT_A_POD_SETTLES_MS: pid -> first seen so. */
  const unsettled = new Map<string, number>()

  const podOf = async (pid: string): Promise<PodRef | null> => {
    const known = podOfPid.get(pid)
    if (known !== undefined) return known
    let ref: PodRef | null = null
    try {
      ref = parseCgroup(await readFile(`${procRoot}/${pid}/cgroup`, 'utf8')) ?? null
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ESRCH') onError(`cgroup-${code ?? 'error'}`)
      return null // not cached: it may be readable next time
    }
    if (ref === null) {
      const t = now()
      const since = unsettled.get(pid)
      if (since === undefined) { unsettled.set(pid, t); return null }
      if (t - since < NOT_A_POD_SETTLES_MS) return null
    }
    unsettled.delete(pid)
    podOfPid.set(pid, ref)
    return ref
  }

  /** Looks for `inodes` in the fds of `pids` (pods' processes only), into `owners`. */
  const search = async (pids: readonly string[], inodes: ReadonlySet<number>, owners: Map<number, PodRef>): Promise<void> => {
    for (const pid of pids) {
      const pod = await podOf(pid)
      if (pod === null) continue
      let fds: string[]
      try { fds = await readdir(`${procRoot}/${pid}/fd`) } catch { continue }
      const links = await Promise.all(fds.slice(0, MAX_FDS_PER_PROCESS).map((fd) => readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '')))
      for (const link of links) {
        // socket:[12345]
        if (!link.startsWith('socket:[')) continue
        const inode = Number(link.slice(8, -1))
        if (inodes.has(inode) && !owners.has(inode)) owners.set(inode, pod)
      }
      if (owners.size === inodes.size) return
    }
  }

  return {
    async find (pids, inodes, more) {
      const owners = new Map<number, PodRef>()
      if (inodes.size === 0) return owners
      const alive = new Set(pids)
      for (const pid of podOfPid.keys()) if (!alive.has(pid)) podOfPid.delete(pid)
      for (const pid of unsettled.keys()) if (!alive.has(pid)) unsettled.delete(pid)
      await search(pids, inodes, owners)
      if (owners.size < inodes.size && more !== undefined) {
        await search(await more(alive), inodes, owners)
      }
      return owners
    }
  }
}
