/**
 * Walks <procRoot>/<pid> and reads each network namespace's TCP and UDP sockets ONCE: every read of
 * /proc/<pid>/net/tcp walks a kernel hash table shared by all namespaces, so reading it per process
 * would cost (processes x sockets). Namespaces are found by readlink of <pid>/ns/net (needs root or
 * CAP_SYS_PTRACE) and read with bounded concurrency. Client sockets of the node's own namespace
 * (`hostNetns`) are attributed to their hostNetwork pod through /proc/<pid>/cgroup.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import type { Log } from '../../src/log/log.js'
import type { SnifferMetrics } from '../metrics.js'
import { AddressCache, parseProcNet, TcpState, type ProcNetRow } from './parse.js'
import { classifySessions, clientEndKey, type Session } from './sessions.js'
import type { PodRef } from './cgroup.js'
import { createSocketOwners } from './socket-owners.js'

/** A session, and for the node's own namespace the hostNetwork pod whose socket it was. */
export type ScannedSession = Omit<Session, 'inodes'> & { clientPod?: PodRef }

export type ScannerMetrics = Pick<SnifferMetrics, 'sockets' | 'scanNamespaces' | 'scanErrors' | 'scanDuration'>

export interface ScannerDeps {
  /** Where the host's /proc is mounted: /proc, or /host/proc in a cluster. */
  procRoot: string
  metrics: ScannerMetrics
  log: Log
  /** Namespaces (and readlinks) in flight at once; 8 by default. */
  concurrency?: number
  /** The node's own network namespace (readlink of /proc/self/ns/net): its client sockets get a clientPod where one owns them. */
  hostNetns?: string
}

export interface ScanResult {
  /** Sessions of every namespace, deduped across namespaces (a same-node call is seen from both ends). */
  sessions: ScannedSession[]
  /** Network namespaces read. */
  namespaces: number
  /** This node's pods' addresses: the local ends of the sessions found outside the node's own namespace. */
  localAddresses: Set<string>
  /** The client sockets of the node's own namespace that a (hostNetwork) pod owns, by `clientEndKey`. */
  podClientEnds: ReadonlyMap<string, PodRef>
  durationMs: number
}

export interface Scanner {
  scan(): Promise<ScanResult>
}

const WANTED_STATES = [TcpState.ESTABLISHED, TcpState.LISTEN]
/** UDP: 01 connected, 07 unconnected (bound: the listeners). */
const WANTED_UDP_STATES = [0x01, 0x07]

interface NamespaceRows { tcp: ProcNetRow[], udp: ProcNetRow[] }

/** A process that exits mid-scan: its /proc entries vanish. Expected, not counted. */
function vanished (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ESRCH'
}

function errorReason (stage: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? `${stage}-${code}` : `${stage}-error`
}

/** Run `fn` over `items` with at most `limit` in flight; results in item order. */
async function mapLimit<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export function createScanner (deps: ScannerDeps): Scanner {
  const { procRoot, metrics, log } = deps
  const concurrency = Math.max(1, deps.concurrency ?? 8)
  const cache = new AddressCache()

  const countError = (reason: string, err: unknown, context: object): void => {
    metrics.scanErrors.inc({ reason })
    log.debug({ err, ...context }, 'proc scan error')
  }

  /** Read one file of a pid; undefined if the process vanished or the file does not exist. */
  const readNet = async (pid: string, file: string): Promise<string | undefined> => {
    try {
      return await readFile(`${procRoot}/${pid}/net/${file}`, 'utf8')
    } catch (err) {
      if (vanished(err)) return undefined
      throw err
    }
  }

  /** The namespace's rows, through the first of its pids that is still alive; undefined if none. */
  const readNamespace = async (netns: string, pids: readonly string[]): Promise<NamespaceRows | undefined> => {
    for (const pid of pids) {
      let files: Array<string | undefined>
      try {
        files = await Promise.all([readNet(pid, 'tcp'), readNet(pid, 'tcp6'), readNet(pid, 'udp'), readNet(pid, 'udp6')])
      } catch (err) {
        countError(errorReason('read', err), err, { pid, netns })
        continue
      }
      const [tcp, tcp6, udp, udp6] = files
      if (tcp === undefined) continue // gone: try the namespace's next process
      // The *6 files are missing only where IPv6 is disabled.
      let bad = 0
      const parse = (text: string | undefined, states: readonly number[]): ProcNetRow[] => {
        if (text === undefined) return []
        const result = parseProcNet(text, { states, cache })
        bad += result.badLines
        return result.rows
      }
      const rows = {
        tcp: parse(tcp, WANTED_STATES).concat(parse(tcp6, WANTED_STATES)),
        udp: parse(udp, WANTED_UDP_STATES).concat(parse(udp6, WANTED_UDP_STATES))
      }
      if (bad > 0) metrics.scanErrors.inc({ reason: 'bad-line' }, bad)
      return rows
    }
    return undefined
  }
  const owners = createSocketOwners(procRoot, (reason) => metrics.scanErrors.inc({ reason }))

  const listPids = async (): Promise<string[]> => {
    let entries: string[]
    try {
      entries = await readdir(procRoot)
    } catch (err) {
      countError(errorReason('readdir', err), err, { procRoot })
      throw err
    }
    return entries.filter((name) => name.length > 0 && name.charCodeAt(0) >= 0x30 && name.charCodeAt(0) <= 0x39 && /^\d+$/.test(name))
  }
  /** Each pid's network namespace (undefined where it vanished or could not be read). */
  const netnsOf = async (pids: readonly string[]): Promise<Array<string | undefined>> => await mapLimit(pids, concurrency * 4, async (pid) => {
    try {
      return await readlink(`${procRoot}/${pid}/ns/net`)
    } catch (err) {
      if (!vanished(err)) countError(errorReason('readlink', err), err, { pid })
      return undefined
    }
  })
  /**
   * The pids in `netns` now that were not at the scan's listing (`listed`): processes started since,
   * or moved in (`nsenter`, `ip netns exec`). /proc is listed again and every other pid's namespace
   * read again: one more readlink per process, in scans where a socket of `netns` has no pod owner.
   */
  const pidsJoined = async (netns: string, listed: ReadonlySet<string>): Promise<string[]> => {
    const others = (await listPids()).filter((pid) => !listed.has(pid))
    const links = await netnsOf(others)
    return others.filter((_, i) => links[i] === netns)
  }

  return {
    async scan (): Promise<ScanResult> {
      const started = process.hrtime.bigint() // not performance.now(): that loads perf_hooks (~1 MB)
      const pids = await listPids()
      const links = await netnsOf(pids)
      // Namespace -> its pids, in /proc order: the first live one is read.
      const namespaces = new Map<string, string[]>()
      links.forEach((link, i) => {
        if (link === undefined) return
        const list = namespaces.get(link)
        if (list === undefined) namespaces.set(link, [pids[i]!])
        else list.push(pids[i]!)
      })
      let read = 0
      const seen = new Map<string, ScannedSession>()
      const sessions: ScannedSession[] = []
      const add = (session: ScannedSession): void => {
        const key = `${session.client} ${session.server} ${session.port} ${session.protocol} ${session.clientPod?.uid ?? ''}`
        const known = seen.get(key)
        if (known === undefined) { seen.set(key, session); sessions.push(session); return }
        // Both ends on this node (a same-node call): no one side.
        if (known.side !== session.side) delete known.side
      }
      const perNamespace: Array<{ host: boolean, nsPids: readonly string[], netns: string, found: Session[] }> = []
      await mapLimit([...namespaces], concurrency, async ([netns, nsPids]) => {
        const rows = await readNamespace(netns, nsPids)
        if (rows === undefined) return
        read++
        perNamespace.push({
          host: netns === deps.hostNetns,
          nsPids,
          netns,
          found: [
            ...classifySessions(rows.tcp, { protocol: 'TCP', inodes: true }),
            ...classifySessions(rows.udp, { protocol: 'UDP', inodes: true })
          ]
        })
      })
      // Host namespace first: which pod owns each client socket, and so each client address:port.
      const podByEndpoint = new Map<string, PodRef>()
      for (const { host, nsPids, netns, found } of perNamespace) {
        if (!host) continue
        const wanted = new Set<number>()
        for (const s of found) for (const inode of s.inodes ?? []) wanted.add(inode)
        let byInode = new Map<number, PodRef>()
        try { byInode = await owners.find(nsPids, wanted, async (listed) => await pidsJoined(netns, listed)) } catch (err) { countError(errorReason('owners', err), err, { netns }) }
        for (const s of found) {
          (s.inodes ?? []).forEach((inode, i) => {
            const pod = byInode.get(inode)
            const port = s.clientPorts?.[i]
            if (pod !== undefined && port !== undefined) podByEndpoint.set(clientEndKey(s.client, port, s.protocol), pod)
          })
        }
      }
      // Every namespace: a session whose client address:port is a hostNetwork pod's socket is that
      // pod's, also seen from the server's end (where DNAT may have changed the server address).
      const localAddresses = new Set<string>()
      for (const { host, found } of perNamespace) {
        if (!host) for (const s of found) localAddresses.add(s.side === 'server' ? s.server : s.client)
      }
      for (const { found } of perNamespace) {
        for (const { inodes: _inodes, clientPorts, ...s } of found) {
          if (podByEndpoint.size === 0 || clientPorts === undefined) { add(s); continue }
          const pods = new Map<string, PodRef | undefined>()
          for (const port of clientPorts) { const pod = podByEndpoint.get(clientEndKey(s.client, port, s.protocol)); pods.set(pod?.uid ?? '', pod) }
          if (pods.size === 0) pods.set('', undefined)
          for (const pod of pods.values()) add(pod === undefined ? s : { ...s, clientPod: pod })
        }
      }
      // The server's end of a hostNetwork pod's session (same node) shows only the node address:
      // where the client's end named the pod, that view wins.
      const attributed = new Set<string>()
      for (const s of sessions) if (s.clientPod !== undefined) attributed.add(`${s.client} ${s.server} ${s.port} ${s.protocol}`)
      if (attributed.size > 0) {
        for (let i = sessions.length - 1; i >= 0; i--) {
          const s = sessions[i]!
          if (s.clientPod === undefined && attributed.has(`${s.client} ${s.server} ${s.port} ${s.protocol}`)) sessions.splice(i, 1)
        }
      }
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6
      metrics.scanDuration.observe(durationMs / 1000)
      let udpCount = 0
      for (const s of sessions) if (s.protocol === 'UDP') udpCount++
      metrics.sockets.set({ protocol: 'TCP' }, sessions.length - udpCount)
      metrics.sockets.set({ protocol: 'UDP' }, udpCount)
      metrics.scanNamespaces.set(read)
      return { sessions, namespaces: read, durationMs, localAddresses, podClientEnds: podByEndpoint }
    }
  }
}
