/** Loud checks before building a testbed: root, `ip netns`, nft, dnsmasq; no overlap with the root namespace. */
import { execFile } from 'node:child_process'
import type { AddressPlan } from './address-plan.js'

function tryRun (cmd: string, args: string[]): Promise<{ ok: boolean, out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, stdout, stderr) => resolve({ ok: err === null, out: err === null ? stdout : `${stderr}${err.message}` }))
  })
}

export async function assertPreconditions (): Promise<void> {
  const problems: string[] = []
  if (process.getuid?.() !== 0) problems.push(`must run as root (uid is ${process.getuid?.()})`)
  const checks: Array<[string, string[]]> = [['ip', ['netns', 'list']], ['nft', ['--version']], ['dnsmasq', ['--version']]]
  for (const [cmd, args] of checks) {
    const r = await tryRun(cmd, args)
    if (!r.ok) problems.push(`\`${cmd} ${args.join(' ')}\` failed: ${r.out.trim()} (run scripts/install-system-deps.sh)`)
  }
  if (problems.length > 0) throw new Error(`testbed cannot run here:\n  - ${problems.join('\n  - ')}`)
}

function v4ToInt (ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

function v4Range (cidr: string): [number, number] {
  const [ip = '0.0.0.0', len = '32'] = cidr.split('/')
  const size = 2 ** (32 - Number(len))
  const start = Math.floor(v4ToInt(ip) / size) * size
  return [start, start + size - 1]
}

/** Refuses ranges that overlap an IPv4 route of the root namespace (other than the default route). */
export async function checkNoOverlapWithRoot (plan: AddressPlan): Promise<void> {
  const r = await tryRun('ip', ['-4', '-j', 'route', 'show', 'table', 'all'])
  if (!r.ok) throw new Error(`testbed: cannot list root routes: ${r.out}`)
  const routes = JSON.parse(r.out) as Array<{ dst?: string, type?: string }>
  const ours = [plan.podCidr4, plan.serviceCidr4, plan.internetCidr4].map(v4Range)
  for (const route of routes) {
    if (route.dst === undefined || route.dst === 'default' || route.type === 'broadcast') continue
    const dst = route.dst.includes('/') ? route.dst : `${route.dst}/32`
    if (dst.startsWith('127.')) continue
    const [a, b] = v4Range(dst)
    for (const [c, d] of ours) {
      if (a <= d && c <= b) throw new Error(`testbed: range overlaps root namespace route ${route.dst}; pick another slot layout`)
    }
  }
}
