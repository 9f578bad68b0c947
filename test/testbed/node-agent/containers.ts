/**
 * Runs a pod's container the way the kubelet's runtime would, minus images: the container's
 * `command` + `args` (the image is not pulled or run), in the pod's network namespace (the node's
 * for hostNetwork), inside the node's PID namespace with a /proc of its own mounted from it, in a
 * kubelet-style cgroup (kubepods.slice/…-pod<uid>.slice/cri-containerd-<id>.scope under the node's
 * cgroup root, cgroup v2), with the pod's environment. Output goes to a log file per start.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { AgentConfig } from './agent-config.js'

export interface ContainerSpec {
  name: string
  image?: string
  command?: string[]
  args?: string[]
  workingDir?: string
  env?: Array<{ name: string, value?: string, valueFrom?: { fieldRef?: { fieldPath: string } } }>
}

export interface PodFacts {
  uid: string
  name: string
  namespace: string
  nodeName: string
  serviceAccountName: string
  podIPv4: string
  podIPv6: string
  hostIPv4: string
  /** Set by the API server at creation (status.qosClass). */
  qosClass: string
}

export interface RunningContainer {
  id: string
  child: ChildProcess
  startedAt: string
  logFile: string
  exited: Promise<{ code: number, signal: string | null, finishedAt: string }>
}

export class NoCommandError extends Error {}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

function environment (spec: ContainerSpec, pod: PodFacts, extra: Record<string, string>): Record<string, string> {
  const field = (path: string): string | undefined => ({
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'metadata.uid': pod.uid,
    'spec.nodeName': pod.nodeName,
    'spec.serviceAccountName': pod.serviceAccountName,
    'status.podIP': pod.podIPv4,
    'status.podIPs': `${pod.podIPv4},${pod.podIPv6}`,
    'status.hostIP': pod.hostIPv4
  } as Record<string, string>)[path]
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: pod.name, ...extra }
  for (const e of spec.env ?? []) {
    const v = e.value ?? (e.valueFrom?.fieldRef !== undefined ? field(e.valueFrom.fieldRef.fieldPath) : undefined)
    if (v !== undefined) env[e.name] = v
  }
  return env
}

/** The entrypoint the cluster's image table gives an image (matched on its name without registry and tag). */
function imageEntrypoint (c: AgentConfig, image: string): string[] | undefined {
  if (c.imagesFile === undefined || !existsSync(c.imagesFile)) return undefined
  const table = JSON.parse(readFileSync(c.imagesFile, 'utf8')) as Record<string, string[]>
  const name = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '')
  const hit = Object.keys(table).find((k) => name === k || name.endsWith(`/${k}`))
  return hit === undefined ? undefined : table[hit]
}

/** The pod's cgroup as the kubelet's systemd driver names it, by the QoS class the API server gave the pod. */
export function podCgroupPath (root: string, uid: string, qosClass: string): string {
  const pod = uid.replaceAll('-', '_')
  if (qosClass === 'Guaranteed') return join(root, 'kubepods.slice', `kubepods-pod${pod}.slice`)
  const qos = qosClass === 'Burstable' ? 'burstable' : 'besteffort'
  return join(root, 'kubepods.slice', `kubepods-${qos}.slice`, `kubepods-${qos}-pod${pod}.slice`)
}

export function podCgroup (c: AgentConfig, pod: { uid: string, qosClass: string }): string {
  return podCgroupPath(c.cgroupRoot, pod.uid, pod.qosClass)
}

export function startContainer (c: AgentConfig, spec: ContainerSpec, pod: PodFacts, netns: string, attempt: number, extraEnv: Record<string, string>): RunningContainer {
  const entrypoint = (spec.command ?? []).length > 0 ? spec.command ?? [] : imageEntrypoint(c, spec.image ?? '')
  if (entrypoint === undefined) throw new NoCommandError(`container ${spec.name} has no command and image ${spec.image ?? '(none)'} has no entrypoint on this machine: the podmap node agent pulls no images`)
  const argv = [...entrypoint, ...(spec.args ?? [])]
  const id = randomBytes(32).toString('hex')
  const logDir = join(c.dir, 'pods', `${pod.namespace}_${pod.name}_${pod.uid}`, spec.name)
  mkdirSync(logDir, { recursive: true })
  const logFile = join(logDir, `${attempt}.log`)
  const fd = openSync(logFile, 'a')
  const child = spawn('ip', ['netns', 'exec', netns, 'sh', '-c', 'mount -t proc proc /proc && exec "$@"', 'sh', ...argv], {
    cwd: spec.workingDir ?? '/',
    env: environment(spec, pod, extraEnv),
    stdio: ['ignore', fd, fd]
  })
  closeSync(fd)
  const scope = join(podCgroup(c, pod), `cri-containerd-${id}.scope`)
  try {
    mkdirSync(scope, { recursive: true })
    if (child.pid !== undefined) writeFileSync(join(scope, 'cgroup.procs'), String(child.pid))
  } catch { /* the process may already be gone; its exit is reported below */ }
  const exited = new Promise<{ code: number, signal: string | null, finishedAt: string }>((resolve) => {
    const done = (code: number | null, signal: string | null): void => {
      try { rmdirSync(scope) } catch { /* still busy or gone */ }
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 143), signal, finishedAt: now() })
    }
    child.once('exit', done)
    child.once('error', () => done(127, null))
  })
  return { id, child, startedAt: now(), logFile, exited }
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopContainer (r: RunningContainer, graceSeconds: number): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return
  const timer = setTimeout(() => { r.child.kill('SIGKILL') }, Math.max(0, graceSeconds) * 1000)
  r.child.kill('SIGTERM')
  await r.exited
  clearTimeout(timer)
}

export function removePodCgroup (c: AgentConfig, pod: { uid: string, qosClass: string }): void {
  try { rmdirSync(podCgroup(c, pod)) } catch { /* busy or gone */ }
}
