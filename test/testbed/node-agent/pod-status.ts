/** The status a kubelet writes for a pod: phase, conditions, addresses and one status per container. Pure. */

export type ContainerState =
  | { kind: 'waiting', reason: string, message?: string }
  | { kind: 'running', startedAt: string }
  | { kind: 'terminated', exitCode: number, reason: string, startedAt: string, finishedAt: string }

export interface ContainerView {
  name: string
  image: string
  containerID?: string
  restartCount: number
  ready: boolean
  state: ContainerState
}

export interface PodView {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed'
  hostIPs: string[]
  podIPs: string[]
  startTime: string
  sandboxReady: boolean
  containers: ContainerView[]
}

function stateJson (s: ContainerState, containerID: string | undefined): object {
  if (s.kind === 'waiting') return { waiting: { reason: s.reason, ...(s.message !== undefined ? { message: s.message } : {}) } }
  if (s.kind === 'running') return { running: { startedAt: s.startedAt } }
  return { terminated: { exitCode: s.exitCode, reason: s.reason, startedAt: s.startedAt, finishedAt: s.finishedAt, ...(containerID !== undefined ? { containerID } : {}) } }
}

export function podStatus (v: PodView, transitionTime: string): object {
  const allReady = v.containers.length > 0 && v.containers.every((c) => c.ready)
  const cond = (type: string, ok: boolean, reason?: string): object => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: transitionTime, ...(ok || reason === undefined ? {} : { reason }) })
  const terminal = v.phase === 'Succeeded' || v.phase === 'Failed'
  return {
    status: {
      phase: v.phase,
      conditions: [
        cond('PodReadyToStartContainers', v.sandboxReady && !terminal),
        cond('Initialized', true),
        cond('Ready', allReady && !terminal, terminal ? 'PodCompleted' : 'ContainersNotReady'),
        cond('ContainersReady', allReady && !terminal, terminal ? 'PodCompleted' : 'ContainersNotReady'),
        cond('PodScheduled', true)
      ],
      hostIP: v.hostIPs[0],
      hostIPs: v.hostIPs.map((ip) => ({ ip })),
      ...(v.podIPs.length > 0 ? { podIP: v.podIPs[0], podIPs: v.podIPs.map((ip) => ({ ip })) } : {}),
      startTime: v.startTime,
      containerStatuses: v.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ...(c.containerID !== undefined ? { containerID: c.containerID } : {}),
        ready: c.ready,
        started: c.state.kind === 'running',
        restartCount: c.restartCount,
        state: stateJson(c.state, c.containerID)
      }))
    }
  }
}
