/**
 * Which pod owns a socket of the node's own network namespace (a hostNetwork pod's): for each
 * process of that namespace, its pod from /proc/<pid>/cgroup (cached per pid while it lives); only
 * the processes that belong to a pod have their /proc/<pid>/fd links read, looking for the wanted
 * socket inodes. Host daemons outside kubepods (kubelet, containerd, sshd) cost one small read each
 * on first sight and nothing after.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import { parseCgroup, type PodRef } from './cgroup.js'

export interface SocketOwners {
  /** Pods owning any of `inodes`, among `pids` (all of one namespace). */
  find(pids: readonly string[], inodes: ReadonlySet<number>): Promise<Map<number, PodRef>>
}

const MAX_FDS_PER_PROCESS = 65_536

export function createSocketOwners (procRoot: string, onError: (reason: string) => void): SocketOwners {
  const podOfPid = new Map<string, PodRef | null>()

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
    podOfPid.set(pid, ref)
    return ref
  }

  return {
    async find (pids, inodes) {
      const owners = new Map<number, PodRef>()
      if (inodes.size === 0) return owners
      const alive = new Set(pids)
      for (const pid of podOfPid.keys()) if (!alive.has(pid)) podOfPid.delete(pid)
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
        if (owners.size === inodes.size) break
      }
      return owners
    }
  }
}
