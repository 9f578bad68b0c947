/**
 * The kubelet's pod half: watches the pods bound to this node, starts a PodWorker for each new
 * one, and on deletion (deletionTimestamp set) stops it with the pod's grace period and then
 * finishes the graceful delete (DELETE with gracePeriodSeconds 0 and the pod's UID as
 * precondition), as the kubelet does.
 */
import type { KubeClient, KubeObject } from '../control-plane/kube-http.js'
import { startInformer, type Informer } from './informer.js'
import { PodWorker, type WorkerDeps } from './pod-worker.js'

export interface PodManager {
  informer: Informer
  workers: Map<string, PodWorker>
  stop: () => Promise<void>
}

export function startPodManager (deps: WorkerDeps): PodManager {
  const workers = new Map<string, PodWorker>()
  const chains = new Map<string, Promise<void>>()
  const client: KubeClient = deps.kubelet
  const serial = (uid: string, fn: () => Promise<void>): void => {
    const next = (chains.get(uid) ?? Promise.resolve()).then(fn).catch((err: Error) => deps.log(`pod ${uid}: ${err.message}`))
    chains.set(uid, next)
  }

  const finishDelete = async (pod: KubeObject): Promise<void> => {
    const ns = pod.metadata.namespace ?? 'default'
    await client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`,
      { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }, { allow: [404, 409] })
  }

  const onChange = (type: string, pod: KubeObject): void => {
    const uid = pod.metadata.uid ?? ''
    const status = pod.status as { phase?: string } | undefined
    if (type === 'DELETED') {
      serial(uid, async () => {
        await workers.get(uid)?.terminate(0)
        workers.delete(uid)
      })
      return
    }
    if (pod.metadata.deletionTimestamp !== undefined) {
      const spec = pod.spec as { terminationGracePeriodSeconds?: number }
      const grace = pod.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30
      serial(uid, async () => {
        await workers.get(uid)?.terminate(grace)
        await finishDelete(pod)
      })
      return
    }
    const known = workers.get(uid)
    if (known !== undefined) { known.reconcile(pod); return }
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') return
    const worker = new PodWorker(deps, pod)
    workers.set(uid, worker)
    serial(uid, async () => { await worker.start() })
  }

  const informer = startInformer(client, `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${deps.config.nodeName}`)}`, onChange, deps.log)
  return {
    informer,
    workers,
    stop: async () => {
      informer.stop()
      await Promise.all([...workers.values()].map(async (w) => await w.terminate(0)))
    }
  }
}
