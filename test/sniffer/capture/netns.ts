/**
 * Throwaway network namespaces for the capture and /proc tests: created with `ip`, joined by veths,
 * routed only to each other (never a default route), deleted by `destroy()` (which also ends the
 * processes started in them). Test helper only; needs root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export function requireRoot (): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this test builds network namespaces and must run as root (it is not skipped: run it as root)')
  }
}

export function sh (args: string[]): string {
  try {
    return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
  } catch (err) {
    const e = err as { stderr?: string, message: string }
    throw new Error(`${args.join(' ')} failed: ${e.stderr ?? e.message}`)
  }
}

export interface Lab {
  /** Namespace names, by the short name given to addNamespace. */
  ns: (short: string) => string
  addNamespace: (short: string) => string
  /** veth between two namespaces, with addresses (CIDR) on each end; IPv6 without DAD. */
  link: (a: { ns: string, ifname: string, addrs: string[] }, b: { ns: string, ifname: string, addrs: string[] }) => void
  exec: (short: string, args: string[]) => string
  /** Ping `address` from a namespace until it answers (fills neighbour caches); throws after `tries`. */
  ping: (short: string, address: string, tries?: number) => void
  /** A process inside a namespace, ended by destroy() if still running. */
  spawnIn: (short: string, args: string[]) => ChildProcess
  destroy: () => void
}

export function createLab (tag: string): Lab {
  const names = new Map<string, string>()
  const children: ChildProcess[] = []
  const full = (short: string): string => {
    const name = names.get(short)
    if (name === undefined) throw new Error(`no namespace ${short}`)
    return name
  }
  return {
    ns: full,
    addNamespace (short) {
      const name = `podmap-${tag}-${process.pid}-${short}`
      sh(['ip', 'netns', 'add', name])
      names.set(short, name)
      sh(['ip', '-n', name, 'link', 'set', 'lo', 'up'])
      // No duplicate address detection: link-local addresses usable at once, no tentative period.
      sh(['ip', 'netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'])
      return name
    },
    link (a, b) {
      sh(['ip', 'link', 'add', a.ifname, 'netns', full(a.ns), 'type', 'veth', 'peer', 'name', b.ifname, 'netns', full(b.ns)])
      for (const end of [a, b]) {
        for (const addr of end.addrs) {
          sh(['ip', '-n', full(end.ns), 'addr', 'add', addr, 'dev', end.ifname, ...(addr.includes(':') ? ['nodad'] : [])])
        }
        sh(['ip', '-n', full(end.ns), 'link', 'set', end.ifname, 'up'])
      }
    },
    exec (short, args) {
      return sh(['ip', 'netns', 'exec', full(short), ...args])
    },
    ping (short, address, tries = 5) {
      for (let i = 1; ; i++) {
        try {
          sh(['ip', 'netns', 'exec', full(short), 'ping', '-n', '-q', '-c', '1', '-W', '2', address])
          return
        } catch (err) {
          if (i >= tries) throw err
        }
      }
    },
    spawnIn (short, args) {
      const child = spawn('ip', ['netns', 'exec', full(short), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
      children.push(child)
      return child
    },
    destroy () {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
          try { process.kill(child.pid, 'SIGKILL') } catch { /* already gone */ }
        }
      }
      for (const name of names.values()) {
        try { sh(['ip', 'netns', 'del', name]) } catch { /* best effort: report the first failure only */ }
      }
      names.clear()
    }
  }
}

/** Lines of a child's stdout, parsed as JSON, with a bounded wait for one that matches. */
export function jsonLines (child: ChildProcess): { next: (match: (v: any) => boolean, timeoutMs: number) => Promise<any>, all: unknown[] } {
  const all: unknown[] = []
  const waiters: Array<{ match: (v: any) => boolean, resolve: (v: unknown) => void }> = []
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let value: unknown
    try { value = JSON.parse(line) } catch { return }
    all.push(value)
    for (const w of [...waiters]) {
      if (w.match(value)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(value) }
    }
  })
  return {
    all,
    next (match, timeoutMs) {
      const found = all.find(match)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (v: unknown) => { clearTimeout(timer); resolve(v) } }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`no matching line within ${timeoutMs} ms; got ${JSON.stringify(all)}; stderr: ${stderr}`))
        }, timeoutMs)
        waiters.push(waiter)
      })
    }
  }
}
