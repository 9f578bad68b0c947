/**
 * Walks <procRoot>/<pid> and reads each network namespace's TCP sockets ONCE: every read of
 * /proc/<pid>/net/tcp walks a kernel hash table shared by all namespaces, so reading it per process
 * would cost (processes x sockets). Namespaces are found by readlink of <pid>/ns/net (needs root or
 * CAP_SYS_PTRACE) and read with bounded concurrency.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import type { Logger } from '../../src/log/logger.js'
import type { SnifferMetrics } from '../metrics.js'
import { AddressCache, parseProcNet, TcpState, type ProcNetRow } from './parse.js'
import { classifySessions, type Session } from './sessions.js'

export type ScannerMetrics = Pick<SnifferMetrics, 'sockets' | 'scanNamespaces' | 'scanErrors' | 'scanDuration'>

export interface ScannerDeps {
  /** Where the host's /proc is mounted: /proc, or /host/proc in a cluster. */
  procRoot: string
  metrics: ScannerMetrics
  log: Logger
  /** Namespaces (and readlinks) in flight at once; 8 by default. */
  concurrency?: number
}

export interface ScanResult {
  /** Sessions of every namespace, deduped across namespaces (a same-node call is seen from both ends). */
  sessions: Session[]
  /** Network namespaces read. */
  namespaces: number
  durationMs: number
}

export interface Scanner {
  scan(): Promise<ScanResult>
}

const WANTED_STATES = [TcpState.ESTABLISHED, TcpState.LISTEN]

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
  const readNamespace = async (netns: string, pids: readonly string[]): Promise<ProcNetRow[] | undefined> => {
    for (const pid of pids) {
      let tcp: string | undefined
      let tcp6: string | undefined
      try {
        [tcp, tcp6] = await Promise.all([readNet(pid, 'tcp'), readNet(pid, 'tcp6')])
      } catch (err) {
        countError(errorReason('read', err), err, { pid, netns })
        continue
      }
      if (tcp === undefined) continue // gone: try the namespace's next process
      // tcp6 is missing only where IPv6 is disabled.
      const v4 = parseProcNet(tcp, { states: WANTED_STATES, cache })
      const v6 = tcp6 === undefined ? { rows: [], badLines: 0 } : parseProcNet(tcp6, { states: WANTED_STATES, cache })
      const bad = v4.badLines + v6.badLines
      if (bad > 0) metrics.scanErrors.inc({ reason: 'bad-line' }, bad)
      return v6.rows.length === 0 ? v4.rows : v4.rows.concat(v6.rows)
    }
    return undefined
  }

  return {
    async scan (): Promise<ScanResult> {
      const started = performance.now()
      let entries: string[]
      try {
        entries = await readdir(procRoot)
      } catch (err) {
        countError(errorReason('readdir', err), err, { procRoot })
        throw err
      }
      const pids = entries.filter((name) => name.length > 0 && name.charCodeAt(0) >= 0x30 && name.charCodeAt(0) <= 0x39 && /^\d+$/.test(name))
      const links = await mapLimit(pids, concurrency * 4, async (pid) => {
        try {
          return await readlink(`${procRoot}/${pid}/ns/net`)
        } catch (err) {
          if (!vanished(err)) countError(errorReason('readlink', err), err, { pid })
          return undefined
        }
      })
      // Namespace -> its pids, in /proc order: the first live one is read.
      const namespaces = new Map<string, string[]>()
      links.forEach((link, i) => {
        if (link === undefined) return
        const list = namespaces.get(link)
        if (list === undefined) namespaces.set(link, [pids[i]!])
        else list.push(pids[i]!)
      })
      let read = 0
      const seen = new Set<string>()
      const sessions: Session[] = []
      await mapLimit([...namespaces], concurrency, async ([netns, nsPids]) => {
        const rows = await readNamespace(netns, nsPids)
        if (rows === undefined) return
        read++
        for (const session of classifySessions(rows)) {
          const key = `${session.client} ${session.server} ${session.port}`
          if (seen.has(key)) continue
          seen.add(key)
          sessions.push(session)
        }
      })
      const durationMs = performance.now() - started
      metrics.scanDuration.observe(durationMs / 1000)
      metrics.sockets.set({ protocol: 'TCP' }, sessions.length)
      metrics.scanNamespaces.set(read)
      return { sessions, namespaces: read, durationMs }
    }
  }
}
