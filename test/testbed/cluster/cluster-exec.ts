/**
 * Running things on a cluster the way an operator on its nodes would: a program in a pod's
 * namespaces (its network namespace, its node's PID namespace and /proc — like `crictl exec`), on
 * a node (the node's network and PID namespaces: a hostNetwork, hostPID process such as a
 * sniffer), or in the internet namespace; kubectl with the admin kubeconfig; and bounded waits.
 * Every process started here dies with the node (PID namespace) or with its parent (pdeathsig).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { OwnedRun } from '../owned-run.js'
import type { ControlPlane } from '../control-plane/control-plane.js'
import type { NodePlan } from './cluster-plan.js'
import { podCgroupPath } from '../node-agent/containers.js'
import { waitFor } from '../wait-for.js'

export const KUBECTL = fileURLToPath(new URL('../../../.tools/bin/kubectl', import.meta.url))
export const HELM = fileURLToPath(new URL('../../../.tools/bin/helm', import.meta.url))

export interface ExecResult { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

export interface PodInfo {
  uid: string
  namespace: string
  name: string
  nodeName: string
  hostNetwork: boolean
  ipv4: string
  ipv6: string
  phase: string
  /** The Ready condition is True. */
  ready: boolean
  labels: Record<string, string>
  ownerReferences: Array<{ kind: string, name: string, uid: string }>
  /** The first container's ID (without the runtime prefix), '' before it started. */
  containerID: string
  qosClass: string
}

/** "<namespace>/<pod>", or { node } for the node itself, or 'internet'. */
export type Where = string | { node: string }

export interface ClusterExec {
  pod: (key: string) => Promise<PodInfo>
  /** Pods matching a label selector in a namespace, by name. */
  pods: (namespace: string, selector?: string) => Promise<PodInfo[]>
  spawn: (where: Where, argv: string[], opts?: SpawnOptions) => Promise<ChildProcess>
  exec: (where: Where, argv: string[], opts?: { timeoutMs?: number, input?: string }) => Promise<ExecResult>
  kubectl: (args: string[], opts?: { input?: string, timeoutMs?: number, kubeconfig?: string }) => Promise<ExecResult>
  /** `kubectl apply -f -` of the given YAML; fails loudly with kubectl's output. */
  apply: (yaml: string) => Promise<string>
  waitFor: <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs?: number) => Promise<T>
}

const PROC = 'mount -t proc proc /proc && exec "$@"'

async function collect (child: ChildProcess, timeoutMs: number, input?: string): Promise<ExecResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString('utf8') })
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
  if (input !== undefined) child.stdin?.end(input)
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    timer.unref()
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
  })
}

function podInfo (o: { metadata: { uid: string, namespace: string, name: string, labels?: Record<string, string>, ownerReferences?: PodInfo['ownerReferences'] }, spec: { nodeName?: string, hostNetwork?: boolean }, status?: { phase?: string, podIPs?: Array<{ ip: string }>, containerStatuses?: Array<{ containerID?: string }>, qosClass?: string, conditions?: Array<{ type: string, status: string }> } }): PodInfo {
  const ips = (o.status?.podIPs ?? []).map((p) => p.ip)
  return {
    uid: o.metadata.uid,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    nodeName: o.spec.nodeName ?? '',
    hostNetwork: o.spec.hostNetwork === true,
    ipv4: ips.find((ip) => !ip.includes(':')) ?? '',
    ipv6: ips.find((ip) => ip.includes(':')) ?? '',
    phase: o.status?.phase ?? '',
    ready: o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    labels: o.metadata.labels ?? {},
    ownerReferences: o.metadata.ownerReferences ?? [],
    qosClass: o.status?.qosClass ?? 'BestEffort',
    containerID: (o.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^[a-z]+:\/\//, '')
  }
}

export function clusterExec (run: OwnedRun, cp: ControlPlane, nodes: Array<NodePlan & { agentPid: number }>, cgroupRoot: (node: string) => string): ClusterExec {
  const node = (name: string): NodePlan & { agentPid: number } => {
    const n = nodes.find((x) => x.name === name)
    if (n === undefined) throw new Error(`cluster: no node ${name} (nodes: ${nodes.map((x) => x.name).join(', ')})`)
    return n
  }
  const pod = async (key: string): Promise<PodInfo> => {
    const [namespace, name] = key.split('/')
    if (namespace === undefined || name === undefined) throw new Error(`cluster: a pod is "<namespace>/<name>", not "${key}"`)
    return podInfo(await cp.client.get(`/api/v1/namespaces/${namespace}/pods/${name}`))
  }
  const argvFor = async (where: Where, argv: string[]): Promise<string[]> => {
    if (where === 'internet') return ['ip', 'netns', 'exec', `${run.prefix}-internet`, ...argv]
    let n: NodePlan & { agentPid: number }
    let netns: string
    let cgroup = ''
    if (typeof where === 'object') {
      n = node(where.node)
      netns = n.netns
    } else {
      const p = await pod(where)
      if (p.nodeName === '' || (p.ipv4 === '' && !p.hostNetwork)) throw new Error(`cluster: pod ${where} is not running on a node yet (phase ${p.phase})`)
      n = node(p.nodeName)
      netns = p.hostNetwork ? n.netns : `${run.prefix}-pod-${p.uid.replaceAll('-', '').slice(0, 12)}`
      // Like `kubectl exec`: the program joins the container's cgroup.
      if (p.containerID !== '') cgroup = join(podCgroupPath(cgroupRoot(n.name), p.uid, p.qosClass), `cri-containerd-${p.containerID}.scope`, 'cgroup.procs')
    }
    // nsenter forks into the node's PID namespace; the program dies if nsenter does.
    const join_ = cgroup === '' ? 'exec "$@"' : `echo $$ > '${cgroup}' 2>/dev/null; exec "$@"`
    return ['nsenter', `--target=${n.agentPid}`, '--pid', '--', 'sh', '-c', join_, 'sh', 'setpriv', '--pdeathsig', 'KILL', '--', 'ip', 'netns', 'exec', netns, 'sh', '-c', PROC, 'sh', ...argv]
  }
  const spawnAt = async (where: Where, argv: string[], opts: SpawnOptions = {}): Promise<ChildProcess> => {
    const [cmd, ...args] = await argvFor(where, argv)
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    if (child.pid !== undefined) run.track(child.pid)
    return child
  }
  const kubectl = async (args: string[], opts: { input?: string, timeoutMs?: number, kubeconfig?: string } = {}): Promise<ExecResult> => {
    const child = spawn(KUBECTL, ['--kubeconfig', opts.kubeconfig ?? cp.adminKubeconfig, ...args], { stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    return await collect(child, opts.timeoutMs ?? 60_000, opts.input)
  }
  return {
    pod,
    pods: async (namespace, selector) => {
      const q = selector !== undefined ? `?labelSelector=${encodeURIComponent(selector)}` : ''
      const list = await cp.client.get<{ items: Array<Parameters<typeof podInfo>[0]> }>(`/api/v1/namespaces/${namespace}/pods${q}`)
      return list.items.map(podInfo).sort((a, b) => a.name.localeCompare(b.name))
    },
    spawn: spawnAt,
    exec: async (where, argv, opts = {}) => {
      const child = await spawnAt(where, argv, { stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
      return await collect(child, opts.timeoutMs ?? 20_000, opts.input)
    },
    kubectl,
    apply: async (yaml) => {
      const r = await kubectl(['apply', '-f', '-'], { input: yaml })
      if (r.code !== 0) throw new Error(`kubectl apply failed (${r.code ?? r.signal}): ${r.stderr}${r.stdout}`)
      return r.stdout
    },
    waitFor
  }
}
