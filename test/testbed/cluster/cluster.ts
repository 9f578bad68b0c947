/**
 * startCluster: a Kubernetes cluster on this machine, made of the real control plane
 * (control-plane/) and network namespaces: two nodes (by default) on a LAN, each with a node
 * agent as its kubelet and kube-proxy (node-agent/) in its own PID namespace, CoreDNS as cluster
 * DNS, and an "internet" namespace with the external hosts and their DNS server. One call starts
 * it; `stop()` (or exit, a signal, or the next run's sweep after a crash) removes everything.
 *
 * The API server listens on loopback; a relay on the control-plane host's LAN address
 * (10.(200+slot).0.1, the root namespace's end of the uplink) is where nodes and pods reach it,
 * the address the `kubernetes` Service's endpoints name.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, connect, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { claimRun, type OwnedRun } from '../owned-run.js'
import { assertPreconditions, checkNoOverlapWithRoot } from '../preconditions.js'
import { writeState } from '../state-registry.js'
import { waitForOutput } from '../wait-for-output.js'
import { startControlPlane, type ControlPlane } from '../control-plane/control-plane.js'
import { controlPlaneBinaries } from '../control-plane/binaries.js'
import { kubeconfigText } from '../control-plane/kubeconfig.js'
import { runCmd } from '../node-agent/run-cmd.js'
import type { AgentConfig } from '../node-agent/agent-config.js'
import type { CnameSpec, ExternalSpec } from '../scenario.js'
import { clusterPlan, type ClusterPlan, type NodePlan, MAX_PODS_PER_NODE } from './cluster-plan.js'
import { clusterNetwork } from './cluster-network.js'
import { externalAddresses, internetDnsConfig, type ExternalAddress } from './externals.js'
import { corednsObjects, corefileText } from './coredns-addon.js'
import { createObjects } from './create-objects.js'
import { clusterExec, type ClusterExec } from './cluster-exec.js'

export const CLUSTER_DOMAIN = 'cluster.local'
const AGENT = fileURLToPath(new URL('../node-agent/main.ts', import.meta.url))
const ECHO = fileURLToPath(new URL('../programs/tcp-server.mjs', import.meta.url))
const V2 = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup'

export interface ClusterOptions {
  nodes?: string[]
  /** Image name -> the argv standing for its entrypoint (node-agent/agent-config.ts); can be changed later with setImages. */
  images?: Record<string, string[]>
  externals?: ExternalSpec[]
  cnames?: CnameSpec[]
  /** CoreDNS logs every query (its `log` plugin). Default false. */
  logQueries?: boolean
}

export interface ClusterNode extends NodePlan {
  /** PID (in the root PID namespace) of the node's PID 1, the agent: enter it to be on the node. */
  agentPid: number
}

export interface Cluster extends ClusterExec {
  run: OwnedRun
  plan: ClusterPlan
  cp: ControlPlane
  kubeconfig: string
  nodes: ClusterNode[]
  externals: Map<string, ExternalAddress>
  kubeDnsIPv4: string
  kubeDnsIPv6: string
  /** The control-plane host's address on the LAN: the root namespace, reachable from nodes and pods. */
  hostIP: string
  /** Replaces the image table the node agents read when they start a container. */
  setImages: (images: Record<string, string[]>) => void
  stop: () => Promise<void>
}

function relay (listenHost: string, port: number): Promise<Server> {
  const server = createServer((socket) => {
    const up = connect({ host: '127.0.0.1', port })
    socket.pipe(up).pipe(socket)
    const end = (): void => { socket.destroy(); up.destroy() }
    socket.on('error', end)
    up.on('error', end)
    socket.on('close', end)
    up.on('close', end)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, listenHost, () => resolve(server))
  })
}

async function innerPid (outer: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const children = await runCmd('cat', [`/proc/${outer}/task/${outer}/children`]).catch(() => '')
    const pid = Number(children.trim().split(/\s+/)[0])
    if (Number.isInteger(pid) && pid > 0) return pid
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`cluster: no PID 1 under unshare ${outer}`)
}

export async function startCluster (opts: ClusterOptions = {}): Promise<Cluster> {
  await assertPreconditions()
  const bins = controlPlaneBinaries()
  const run = claimRun('cluster')
  const servers: Server[] = []
  const stop = async (): Promise<void> => {
    for (const s of servers) s.close()
    await run.stop()
  }
  try {
    const plan = clusterPlan(run.prefix, run.plan, opts.nodes ?? ['node-a', 'node-b'])
    const externals = externalAddresses(run.plan, opts.externals ?? [])
    await checkNoOverlapWithRoot(run.plan)
    const net = clusterNetwork(plan, externals)
    run.state.netnsPrefix = `${run.prefix}-`
    run.state.cgroups = plan.nodes.map((n) => join(V2, `podmap-${run.prefix}-${n.name}`))
    for (const ns of net.namespaces) run.trackNamespace(ns)
    writeState(run.state)

    const network = (async () => {
      await runCmd('ip', ['-batch', '-'], net.namespaces.map((ns) => `netns add ${ns}`).join('\n') + '\n')
      for (const s of net.scripts) await runCmd('ip', ['-n', s.netns, '-batch', '-'], s.lines.join('\n') + '\n')
      await runCmd('ip', ['-batch', '-'], net.rootLines.join('\n') + '\n')
      await runCmd('ip', ['-n', net.attach.netns, '-batch', '-'], net.attach.lines.join('\n') + '\n')
      for (const s of net.sysctls) await runCmd('ip', ['netns', 'exec', s.netns, 'sysctl', '-q', '-w', ...s.settings])
    })()
    const cpStarting = startControlPlane({ run, advertiseAddress: plan.hostIPv4, extraServingIps: [plan.hostIPv4] })
    // Whichever fails first is reported; the other is awaited so nothing is left half made.
    const [netResult, cpResult] = await Promise.allSettled([network, cpStarting])
    if (netResult.status === 'rejected') throw netResult.reason
    if (cpResult.status === 'rejected') throw cpResult.reason
    const cp = cpResult.value
    servers.push(await relay(plan.hostIPv4, cp.port))
    const relayUrl = `https://${plan.hostIPv4}:${cp.port}`

    const kubeDnsIPv4 = run.plan.kubeDnsIPv4
    const kubeDnsIPv6 = run.plan.kubeDnsIPv6
    const kubernetesServiceHost = run.plan.serviceCidr4.replace(/\.0\/16$/, '.1')
    const certs = await cp.issue([
      { name: 'kube-proxy', commonName: 'system:kube-proxy', usage: 'client' },
      ...plan.nodes.flatMap((n) => [
        { name: `kubelet-${n.name}`, commonName: `system:node:${n.name}`, organizations: ['system:nodes'], usage: 'client' as const },
        { name: `kubelet-serving-${n.name}`, commonName: `system:node:${n.name}`, organizations: ['system:nodes'], usage: 'server' as const, ips: [n.ipv4, n.ipv6] }
      ])
    ])
    const cert = (name: string): { cert: string, key: string } => certs.get(name) as { cert: string, key: string }

    // The internet: its DNS server and an echo server on the externals' ports.
    const dnsConf = join(run.dir, 'internet-dns.conf')
    writeFileSync(dnsConf, internetDnsConfig(plan.internetIPv4, externals, opts.cnames ?? []))
    const dnsmasq = run.spawnOwned('internet-dns', ['ip', 'netns', 'exec', plan.internetNetns, 'dnsmasq', '--keep-in-foreground', `--conf-file=${dnsConf}`, '--pid-file='], { stdio: 'pipe' })
    const waits: Array<Promise<unknown>> = [waitForOutput(dnsmasq, /started, version/, 10_000, 'internet dnsmasq')]
    const tcp = [...new Set(externals.flatMap((e) => e.ports))]
    const udp = [...new Set(externals.flatMap((e) => e.udpPorts))]
    if (tcp.length + udp.length > 0) {
      const echo = run.spawnOwned('internet-echo', ['ip', 'netns', 'exec', plan.internetNetns, process.execPath, ECHO, '--tcp', tcp.join(','), '--udp', udp.join(',')], { stdio: 'pipe' })
      waits.push(waitForOutput(echo, /^ready/, 10_000, 'external echo server'))
    }

    const imagesFile = join(run.dir, 'images.json')
    const setImages = (images: Record<string, string[]>): void => { writeFileSync(imagesFile, JSON.stringify(images)) }
    setImages(opts.images ?? {})

    // The nodes: resolv.conf for hostNetwork pods (ClusterFirstWithHostNet) and an agent each.
    const d = CLUSTER_DOMAIN
    const nodes: ClusterNode[] = []
    await Promise.all(plan.nodes.map(async (n) => {
      mkdirSync(join('/etc/netns', n.netns), { recursive: true })
      writeFileSync(join('/etc/netns', n.netns, 'resolv.conf'), `search default.svc.${d} svc.${d} ${d}\nnameserver ${kubeDnsIPv4}\noptions ndots:5\n`)
      const dir = join(run.dir, 'nodes', n.name)
      mkdirSync(dir, { recursive: true })
      const config: AgentConfig = {
        nodeName: n.name,
        nodeNetns: n.netns,
        podNetnsPrefix: `${run.prefix}-pod-`,
        vethPrefix: `${run.prefix}v${n.index}x`,
        ipv4: n.ipv4,
        ipv6: n.ipv6,
        podCidr4: n.podCidr4,
        podCidr6: n.podCidr6,
        gateway4: n.gateway4,
        gateway6: n.gateway6,
        podIPv4s: Array.from({ length: MAX_PODS_PER_NODE }, (_, k) => n.podIPv4(k)),
        podIPv6s: Array.from({ length: MAX_PODS_PER_NODE }, (_, k) => n.podIPv6(k)),
        podRoutes4: [plan.clusterCidr4, run.plan.serviceCidr4, run.plan.internetCidr4],
        podRoutes6: [plan.clusterCidr6, run.plan.serviceCidr6, run.plan.internetCidr6, plan.lanCidr6],
        masqueradeTo4: [plan.hostIPv4],
        clusterDns: [kubeDnsIPv4],
        kubernetesServiceHost,
        clusterDomain: d,
        server: relayUrl,
        ca: cp.caFile,
        kubelet: cert(`kubelet-${n.name}`),
        kubeletServing: cert(`kubelet-serving-${n.name}`),
        kubeProxy: cert('kube-proxy'),
        kubeletPort: 10250,
        dir,
        cgroupRoot: join(V2, `podmap-${run.prefix}-${n.name}`),
        kubeletVersion: bins.k8sVersion,
        imagesFile
      }
      const configFile = join(dir, 'agent.json')
      writeFileSync(configFile, JSON.stringify(config, null, 2))
      const agent = run.spawnOwned(`agent-${n.name}`, ['nsenter', `--net=/run/netns/${n.netns}`, '--',
        'unshare', '--pid', '--fork', '--kill-child', '--', process.execPath, '--import', 'tsx', AGENT, configFile], { stdio: 'pipe' })
      agent.stdout?.on('data', (c: Buffer) => { writeFileSync(join(dir, 'agent.log'), c, { flag: 'a' }) })
      agent.stderr?.on('data', (c: Buffer) => { writeFileSync(join(dir, 'agent.log'), c, { flag: 'a' }) })
      await waitForOutput(agent, /"event":"ready"/, 60_000, `node agent ${n.name}`)
      const agentPid = await innerPid(agent.pid as number)
      run.track(agentPid)
      nodes.push({ ...n, agentPid })
    }))
    nodes.sort((a, b) => a.index - b.index)
    await Promise.all(waits)

    // Cluster DNS, reading the API as kube-system/coredns through the `kubernetes` Service.
    await createObjects(cp.client, [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } }])
    const corednsKubeconfig = join(run.dir, 'coredns.kubeconfig')
    writeFileSync(corednsKubeconfig, kubeconfigText({ server: `https://${kubernetesServiceHost}:443`, ca: cp.caFile, token: await cp.serviceAccountToken('kube-system', 'coredns', 86_400) }))
    const corefile = join(run.dir, 'Corefile')
    const dnsInputs = { binary: bins.coredns, corefile, kubeDnsIPv4, kubeDnsIPv6, upstream: plan.internetIPv4, clusterDomain: d, kubeconfig: corednsKubeconfig, logQueries: opts.logQueries ?? false }
    writeFileSync(corefile, corefileText(dnsInputs))
    await createObjects(cp.client, corednsObjects(dnsInputs))

    const exec = clusterExec(run, cp, nodes, (node) => join(V2, `podmap-${run.prefix}-${node}`))
    await exec.waitFor('CoreDNS ready behind kube-dns', async () => {
      const slices = await cp.client.get<{ items: Array<{ endpoints?: Array<{ conditions?: { ready?: boolean } }> }> }>('/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkube-dns')
      return slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready === true)) ? true : undefined
    }, 60_000)
    return {
      ...exec,
      run,
      plan,
      cp,
      kubeconfig: cp.adminKubeconfig,
      nodes,
      externals: new Map(externals.map((e) => [e.name, e])),
      kubeDnsIPv4,
      kubeDnsIPv6,
      hostIP: plan.hostIPv4,
      setImages,
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
