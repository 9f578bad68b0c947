/**
 * createTestbed(scenario): a one-node Kubernetes-like cluster made of Linux network namespaces.
 *
 * Design: ROUTED, not bridged (like Calico). Each pod is its own namespace joined to the node
 * namespace by a point-to-point veth; the node end carries no IPv4 address and the link-local
 * fe80::1, and the node namespace holds a /32 and a /128 route per pod. Why not "a node namespace
 * holding a bridge": with a bridge, a pod-to-pod reply between two pods on the same bridge is
 * switched at layer 2 and skips the node's conntrack, so ClusterIP DNAT breaks for same-node calls
 * unless br_netfilter hooks bridged traffic (not loadable here: no modprobe, and the sysctls would
 * be global). Routed, every packet crosses the node namespace's IP stack, so kube-proxy-style DNAT
 * (nftables, nft-rules.ts) works both ways, and a libpcap capture on `any` in the node namespace
 * sees every DNS response, twice when forwarded (once per veth; packet types 3 and 4).
 *
 * Namespaces, all named from a random prefix ("pm" + 4 hex):
 *   <p>-node       node IP (on lo), routes, nftables DNAT; hostNetwork pods and the sniffer run here
 *   <p>-dns        the kube-system/coredns pod: Debian's dnsmasq, reached at the kube-dns ClusterIP
 *   <p>-<ns>-<pod> one per (non-hostNetwork) pod, /etc/netns/<netns>/resolv.conf like kubelet's
 *   <p>-internet   the external hosts' addresses (documentation ranges) and their echo server
 * Pods get routes to the testbed's own ranges only, never a default route. Address ranges come
 * from a slot claimed in /run/podmap-testbed (address-plan.ts), so testbeds can coexist.
 */
import { spawn, execFile, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { addressPlan } from './address-plan.js'
import { dnsmasqConfig } from './dnsmasq-config.js'
import { registerForExitCleanup, unregisterFromExitCleanup } from './exit-cleanup.js'
import { toKubeObjects, type KubeObject } from './kube-objects.js'
import { materialize } from './materialize.js'
import type { Materialized, MaterializedExternal, MaterializedService } from './materialized.js'
import { networkPlan } from './network-plan.js'
import { nftRuleset } from './nft-rules.js'
import type { Scenario } from './scenario.js'
import { assertPreconditions, checkNoOverlapWithRoot } from './preconditions.js'
import { claimSlot, procStartTime, sweepStaleTestbeds, teardownSync, writeState, type TestbedState } from './state-registry.js'
import { waitForOutput } from './wait-for-output.js'

export const PROGRAMS = {
  tcpServer: fileURLToPath(new URL('./programs/tcp-server.mjs', import.meta.url)),
  client: fileURLToPath(new URL('./programs/client.mjs', import.meta.url))
}

export interface TestbedOptions {
  /** dnsmasq logs every query (see tb.dnsLog()). Default true. */
  logQueries?: boolean
  /** Start an echo server in the internet namespace for the externals' ports. Default true. */
  startExternalServers?: boolean
}

export interface TestbedPod {
  key: string
  name: string
  namespace: string
  netns: string
  ipv4: string
  ipv6: string
  hostNetwork: boolean
}

/** Where to run a program: a pod key "<namespace>/<name>", or 'node' | 'dns' | 'internet'. */
export type Target = string

export interface ExecResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Testbed {
  prefix: string
  slot: number
  nodeNs: string
  nodeName: string
  nodeIp: string
  nodeIpv6: string
  dnsNs: string
  internetNs: string
  kubeDnsIp: string
  materialized: Materialized
  pods: Map<string, TestbedPod>
  services: Map<string, MaterializedService>
  externals: Map<string, MaterializedExternal>
  pod: (key: string) => TestbedPod
  netnsOf: (target: Target) => string
  kubeObjects: () => KubeObject[]
  spawn: (target: Target, argv: string[], opts?: SpawnOptions) => ChildProcess
  exec: (target: Target, argv: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>
  /** Lines dnsmasq printed so far (queries when logQueries). */
  dnsLog: () => string[]
  destroy: () => Promise<void>
}

function run (cmd: string, args: string[], input?: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`testbed: \`${cmd} ${args.join(' ')}\` failed: ${stderr.trim() || err.message}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

function resolvConf (searchNs: string, m: Materialized, kubeDnsIp: string): string {
  const d = m.clusterDomain
  return `nameserver ${kubeDnsIp}\nsearch ${searchNs}.svc.${d} svc.${d} ${d}\noptions ndots:5\n`
}

export async function createTestbed (scenario: Scenario, opts: TestbedOptions = {}): Promise<Testbed> {
  await assertPreconditions()
  sweepStaleTestbeds()
  const prefix = `pm${randomBytes(2).toString('hex')}`
  const tempDir = mkdtempSync(`/tmp/podmap-testbed-${prefix}-`)
  let state: TestbedState
  try {
    state = claimSlot(prefix, tempDir)
  } catch (err) {
    rmSync(tempDir, { recursive: true, force: true })
    throw err
  }
  registerForExitCleanup(state)
  const children = new Set<ChildProcess>()
  const dnsLines: string[] = []
  let destroyed = false

  const m = materialize(scenario, { prefix, plan: addressPlan(state.slot) })
  const kubeDns = m.services.find((s) => s.key === 'kube-system/kube-dns')
  const kubeDnsIp = kubeDns?.clusterIPv4 ?? m.plan.kubeDnsIPv4
  const pods = new Map(m.pods.map((p) => [p.key, { key: p.key, name: p.name, namespace: p.namespace, netns: p.netns, ipv4: p.ipv4, ipv6: p.ipv6, hostNetwork: p.hostNetwork }]))

  const netnsOf = (target: Target): string => {
    if (target === 'node') return m.node.netns
    if (target === 'dns') return m.dnsNetns
    if (target === 'internet') return m.internet.netns
    const pod = pods.get(target)
    if (pod === undefined) throw new Error(`testbed: no pod or namespace "${target}" (pods: ${[...pods.keys()].join(', ')})`)
    return pod.netns
  }

  const spawnIn = (target: Target, argv: string[], spawnOpts: SpawnOptions = {}): ChildProcess => {
    if (destroyed) throw new Error('testbed: spawn after destroy')
    const child = spawn('ip', ['netns', 'exec', netnsOf(target), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts })
    if (child.pid !== undefined) {
      children.add(child)
      state.pids.push({ pid: child.pid, start: procStartTime(child.pid) ?? '' })
      writeState(state)
    }
    child.once('exit', () => children.delete(child))
    return child
  }

  const exec = (target: Target, argv: string[], execOpts: { timeoutMs?: number } = {}): Promise<ExecResult> => {
    const child = spawnIn(target, argv)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (c: Buffer) => { stdout += c.toString('utf8') })
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL') }, execOpts.timeoutMs ?? 10_000)
      timer.unref()
      child.once('error', (err) => { clearTimeout(timer); reject(err) })
      child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
    })
  }

  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    const exits = [...children].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) { resolve(); return }
      const t = setTimeout(() => { c.kill('SIGKILL') }, 1000)
      t.unref()
      c.once('exit', () => { clearTimeout(t); resolve() })
      c.kill('SIGTERM')
    }))
    await Promise.all(exits)
    teardownSync(state) // SIGKILLs anything left, deletes namespaces, /etc/netns dirs, temp dir, state file
    unregisterFromExitCleanup(state)
  }

  try {
    await checkNoOverlapWithRoot(m.plan)
    const plan = networkPlan(m)
    state.namespaces = plan.namespaces
    writeState(state)
    await run('ip', ['-batch', '-'], plan.namespaces.map((ns) => `netns add ${ns}`).join('\n') + '\n')
    for (const s of plan.sysctls) await run('ip', ['netns', 'exec', s.netns, 'sysctl', '-q', '-w', ...s.settings])
    for (const script of plan.scripts) await run('ip', ['-n', script.netns, '-batch', '-'], script.lines.join('\n') + '\n')
    const nftFile = join(tempDir, 'ruleset.nft')
    writeFileSync(nftFile, nftRuleset(m))
    await run('ip', ['netns', 'exec', m.node.netns, 'nft', '-f', nftFile])

    for (const p of m.pods) {
      const dir = join('/etc/netns', p.netns)
      if (p.hostNetwork) continue
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'resolv.conf'), resolvConf(p.namespace, m, kubeDnsIp))
    }
    mkdirSync(join('/etc/netns', m.node.netns), { recursive: true })
    writeFileSync(join('/etc/netns', m.node.netns, 'resolv.conf'), resolvConf('default', m, kubeDnsIp))

    const dnsPod = m.pods.find((p) => p.isDns)
    const confFile = join(tempDir, 'dnsmasq.conf')
    writeFileSync(confFile, dnsmasqConfig(m, { listenIPv4: dnsPod?.ipv4 ?? '', logQueries: opts.logQueries ?? true }))
    const dnsmasq = spawnIn('dns', ['dnsmasq', '--keep-in-foreground', `--conf-file=${confFile}`, '--pid-file='])
    dnsmasq.stderr?.on('data', (c: Buffer) => { for (const l of c.toString('utf8').split('\n')) if (l !== '') dnsLines.push(l) })
    await waitForOutput(dnsmasq, /started, version/, 5000, 'dnsmasq')

    const tcp = [...new Set(m.externals.flatMap((e) => e.ports))]
    const udp = [...new Set(m.externals.flatMap((e) => e.udpPorts))]
    if ((opts.startExternalServers ?? true) && tcp.length + udp.length > 0) {
      const server = spawnIn('internet', [process.execPath, PROGRAMS.tcpServer, '--tcp', tcp.join(','), '--udp', udp.join(',')])
      await waitForOutput(server, /^ready/, 5000, 'external echo server')
    }
  } catch (err) {
    await destroy()
    throw err
  }

  return {
    prefix,
    slot: state.slot,
    nodeNs: m.node.netns,
    nodeName: m.node.name,
    nodeIp: m.node.ipv4,
    nodeIpv6: m.node.ipv6,
    dnsNs: m.dnsNetns,
    internetNs: m.internet.netns,
    kubeDnsIp,
    materialized: m,
    pods,
    services: new Map(m.services.map((s) => [s.key, s])),
    externals: new Map(m.externals.map((e) => [e.name, e])),
    pod: (key) => {
      const p = pods.get(key)
      if (p === undefined) throw new Error(`testbed: no pod ${key}`)
      return p
    },
    netnsOf,
    kubeObjects: () => toKubeObjects(m),
    spawn: spawnIn,
    exec,
    dnsLog: () => [...dnsLines],
    destroy
  }
}
