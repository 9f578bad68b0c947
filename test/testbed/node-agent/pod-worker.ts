/**
 * One pod on this node, from sandbox to teardown, as the kubelet runs it: sandbox (or the node's
 * namespace for hostNetwork), containers in order, restarts by restartPolicy (with back-off),
 * readiness probes, and a status written after every change, retried until the API server takes it
 * and written again when the API's copy says otherwise (the node lifecycle controller marks pods
 * not ready when a node's lease lapses; the kubelet's status manager puts them right), so a status
 * lost to an API server restart never leaves a pod out of its Service. `terminate` stops the containers
 * with the grace period and frees the sandbox and its address; a pod that finished (Succeeded or
 * Failed) frees them too, while its status keeps the addresses it had.
 */
import type { KubeClient, KubeObject } from '../control-plane/kube-http.js'
import type { AgentConfig } from './agent-config.js'
import { NoCommandError, removePodCgroup, startContainer, stopContainer, type ContainerSpec, type PodFacts, type RunningContainer } from './containers.js'
import type { PodIpPool } from './pod-ip-pool.js'
import { podStatus, type ContainerView, type PodView } from './pod-status.js'
import { runReadinessProbe, type PortNames, type ProbeSpec } from './probes.js'
import { createSandbox, removeSandbox, type Sandbox } from './sandbox.js'

export interface PodSpecView {
  hostNetwork?: boolean
  hostname?: string
  subdomain?: string
  restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  serviceAccountName?: string
  terminationGracePeriodSeconds?: number
  containers: Array<ContainerSpec & { readinessProbe?: ProbeSpec, ports?: PortNames }>
}

export interface WorkerDeps {
  config: AgentConfig
  kubelet: KubeClient
  pool: PodIpPool
  extraEnv: Record<string, string>
  log: (msg: string) => void
}

interface Slot {
  spec: PodSpecView['containers'][number]
  view: ContainerView
  run?: RunningContainer
  stopProbe?: () => void
}

/** How long a finished pod's sandbox outlives its containers (a kubelet notices within about a second). */
const FINISHED_TEARDOWN_DELAY_MS = 1500

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

export class PodWorker {
  readonly uid: string
  readonly namespace: string
  readonly name: string
  private readonly spec: PodSpecView
  private readonly qosClass: string
  private sandbox: Sandbox | undefined
  private podIPs: string[] = []
  private readonly slots: Slot[]
  private phase: PodView['phase'] = 'Pending'
  private readonly startTime = now()
  private transition = now()
  private stopping = false
  private writing: Promise<void> = Promise.resolve()
  private dirty = false
  private failedWrites = 0
  private retryTimer: NodeJS.Timeout | undefined
  /** Ready as last written; what the API's copy is compared with. */
  private writtenReady: boolean | undefined
  private releasing: Promise<void> | undefined

  constructor (private readonly deps: WorkerDeps, pod: KubeObject) {
    this.uid = pod.metadata.uid ?? ''
    this.namespace = pod.metadata.namespace ?? 'default'
    this.name = pod.metadata.name
    this.spec = pod.spec as PodSpecView
    this.qosClass = (pod.status as { qosClass?: string } | undefined)?.qosClass ?? 'BestEffort'
    this.slots = this.spec.containers.map((spec) => ({
      spec,
      view: { name: spec.name, image: spec.image ?? '', restartCount: 0, ready: false, state: { kind: 'waiting', reason: 'ContainerCreating' } }
    }))
  }

  get netns (): string | undefined { return this.spec.hostNetwork === true ? this.deps.config.nodeNetns : this.sandbox?.netns }
  get ips (): string[] { return [...this.podIPs] }

  async start (): Promise<void> {
    const c = this.deps.config
    if (this.spec.hostNetwork === true) {
      this.podIPs = [c.ipv4, c.ipv6]
    } else {
      const index = this.deps.pool.take(this.uid)
      try {
        this.sandbox = await createSandbox(c, { uid: this.uid, name: this.name, namespace: this.namespace, hostname: this.spec.hostname, subdomain: this.spec.subdomain }, index)
      } catch (err) {
        this.deps.pool.release(this.uid)
        throw err
      }
      this.podIPs = [this.sandbox.ipv4, this.sandbox.ipv6]
    }
    for (const slot of this.slots) this.launch(slot)
    this.updatePhase()
    this.writeStatus()
  }

  private facts (): PodFacts {
    const c = this.deps.config
    return { uid: this.uid, name: this.name, namespace: this.namespace, nodeName: c.nodeName, serviceAccountName: this.spec.serviceAccountName ?? 'default', podIPv4: this.podIPs[0] ?? '', podIPv6: this.podIPs[1] ?? '', hostIPv4: c.ipv4, qosClass: this.qosClass }
  }

  private launch (slot: Slot): void {
    const netns = this.netns
    if (this.stopping || netns === undefined) return
    let run: RunningContainer
    try {
      run = startContainer(this.deps.config, slot.spec, this.facts(), netns, slot.view.restartCount, this.deps.extraEnv)
    } catch (err) {
      slot.view.state = { kind: 'waiting', reason: err instanceof NoCommandError ? 'ErrImagePull' : 'RunContainerError', message: (err as Error).message }
      return
    }
    slot.run = run
    slot.view.containerID = `containerd://${run.id}`
    slot.view.state = { kind: 'running', startedAt: run.startedAt }
    const probe = slot.spec.readinessProbe
    if (probe !== undefined && this.podIPs[0] !== undefined) {
      slot.view.ready = false
      slot.stopProbe = runReadinessProbe(probe, this.podIPs[0], slot.spec.ports ?? [], (ready) => {
        if (slot.run !== run) return
        slot.view.ready = ready
        this.transition = now()
        this.writeStatus()
      })
    } else {
      slot.view.ready = true
    }
    void run.exited.then(({ code, signal, finishedAt }) => this.onExit(slot, run, code, signal, finishedAt))
  }

  private onExit (slot: Slot, run: RunningContainer, code: number, signal: string | null, finishedAt: string): void {
    if (slot.run !== run) return
    slot.stopProbe?.()
    slot.run = undefined
    slot.view.ready = false
    slot.view.state = { kind: 'terminated', exitCode: code, reason: code === 0 ? 'Completed' : signal !== null ? 'Error' : 'Error', startedAt: run.startedAt, finishedAt }
    const policy = this.spec.restartPolicy ?? 'Always'
    const restart = !this.stopping && (policy === 'Always' || (policy === 'OnFailure' && code !== 0))
    if (restart) {
      const backoff = Math.min(1000 * 2 ** slot.view.restartCount, 30_000)
      slot.view.restartCount++
      setTimeout(() => {
        if (this.stopping) return
        this.launch(slot)
        this.updatePhase()
        this.writeStatus()
      }, backoff).unref()
    }
    this.transition = now()
    this.updatePhase()
    this.writeStatus()
    // A finished pod's sandbox goes a moment later, as a kubelet's (its PLEG notices the exit on its
    // next relist, about a second later): the close of the pod's last connections completes first.
    // Torn down at once, a FIN still on its way was lost with the veth and the peer's socket stayed
    // ESTABLISHED to the freed address (seen by the peer node's sniffer as a call from it).
    if (this.phase === 'Succeeded' || this.phase === 'Failed') setTimeout(() => { void this.release() }, FINISHED_TEARDOWN_DELAY_MS).unref()
  }

  private updatePhase (): void {
    const states = this.slots.map((s) => s.view.state)
    const policy = this.spec.restartPolicy ?? 'Always'
    if (states.some((s) => s.kind === 'running')) { this.phase = 'Running'; return }
    const done = states.every((s) => s.kind === 'terminated')
    if (done && policy !== 'Always') {
      const failed = states.some((s) => s.kind === 'terminated' && s.exitCode !== 0)
      if (!failed) this.phase = 'Succeeded'
      else if (policy === 'Never') this.phase = 'Failed'
      return
    }
    if (states.some((s) => s.kind === 'terminated') && this.phase === 'Running') return
    if (this.phase !== 'Running') this.phase = 'Pending'
  }

  /** Whether the pod is Ready by this worker's own view (every container ready, not finished). */
  private ready (): boolean {
    return this.slots.every((s) => s.view.ready) && this.phase !== 'Succeeded' && this.phase !== 'Failed'
  }

  /**
   * The API's copy of the pod changed: if its Ready condition is not what this worker wrote last
   * (another writer, or a write that never landed), write the status again.
   */
  reconcile (pod: KubeObject): void {
    if (this.stopping || this.writtenReady === undefined || this.dirty) return
    const conditions = (pod.status as { conditions?: Array<{ type: string, status: string }> } | undefined)?.conditions ?? []
    const apiReady = conditions.some((c) => c.type === 'Ready' && c.status === 'True')
    if (apiReady !== this.writtenReady) {
      this.deps.log(`status of ${this.namespace}/${this.name}: the API says Ready=${String(apiReady)}, the node ${String(this.writtenReady)}; writing it again`)
      this.writeStatus()
    }
  }

  /** Coalesces status writes: at most one in flight, the latest state wins; a failed write is retried (1 s, doubling to 10 s). */
  private writeStatus (): void {
    this.dirty = true
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      const view: PodView = {
        phase: this.phase,
        hostIPs: [this.deps.config.ipv4, this.deps.config.ipv6],
        podIPs: this.podIPs,
        startTime: this.startTime,
        sandboxReady: this.netns !== undefined,
        containers: this.slots.map((s) => s.view)
      }
      const ready = this.ready()
      try {
        await this.deps.kubelet.request('PATCH', `/api/v1/namespaces/${this.namespace}/pods/${this.name}/status`, podStatus(view, this.transition),
          { contentType: 'application/merge-patch+json', allow: [404, 409] })
        this.writtenReady = ready
        this.failedWrites = 0
      } catch (err) {
        const delay = Math.min(10_000, 1000 * 2 ** this.failedWrites++)
        this.deps.log(`status of ${this.namespace}/${this.name}: ${(err as Error).message}; again in ${delay} ms`)
        clearTimeout(this.retryTimer)
        this.retryTimer = setTimeout(() => { if (!this.stopping) this.writeStatus() }, delay)
        this.retryTimer.unref()
      }
    }).catch((err: Error) => this.deps.log(`status of ${this.namespace}/${this.name}: ${err.message}`))
  }

  /** Frees the sandbox, its address and cgroup, once (a later call waits for the first). */
  private async release (): Promise<void> {
    this.releasing ??= this.teardown()
    await this.releasing
  }

  private async teardown (): Promise<void> {
    const sandbox = this.sandbox
    this.sandbox = undefined
    if (sandbox !== undefined) await removeSandbox(sandbox)
    this.deps.pool.release(this.uid)
    removePodCgroup(this.deps.config, { uid: this.uid, qosClass: this.qosClass })
  }

  /** Stops every container (SIGTERM, SIGKILL after `graceSeconds`), then frees the sandbox. */
  async terminate (graceSeconds: number): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    clearTimeout(this.retryTimer)
    for (const s of this.slots) s.stopProbe?.()
    await Promise.all(this.slots.map(async (s) => { if (s.run !== undefined) await stopContainer(s.run, graceSeconds) }))
    await this.writing
    await this.release()
  }

  /** For tests: the running container's log file, if any. */
  logFile (container: string): string | undefined {
    return this.slots.find((s) => s.spec.name === container)?.run?.logFile
  }
}
