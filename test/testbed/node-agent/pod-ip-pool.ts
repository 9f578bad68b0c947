/** The node's podCIDR addresses: the lowest free index first, and an index freed on pod teardown is taken again, as real IPAM does. */
export interface PodIpPool {
  take: (podUid: string) => number
  release: (podUid: string) => void
  inUse: () => number
}

export function podIpPool (size: number): PodIpPool {
  const byPod = new Map<string, number>()
  const used = new Set<number>()
  return {
    take: (uid) => {
      const had = byPod.get(uid)
      if (had !== undefined) return had
      for (let i = 0; i < size; i++) {
        if (used.has(i)) continue
        used.add(i)
        byPod.set(uid, i)
        return i
      }
      throw new Error(`node agent: podCIDR exhausted (${size} addresses in use)`)
    },
    release: (uid) => {
      const i = byPod.get(uid)
      if (i === undefined) return
      byPod.delete(uid)
      used.delete(i)
    },
    inUse: () => used.size
  }
}
