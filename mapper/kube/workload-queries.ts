/**
 * Derived answers over the cluster index: the workload of a pod, the pods of a workload, and the
 * workload behind a Service. Each answer is memoised per key and invalidated per key: a pod event
 * drops only that pod's answer (and the Service answers that named it), an owner event only the pods
 * whose walk passed through that owner, a Service or EndpointSlice event only that Service's answer.
 * So churn in one place does not flush what the rest of the cluster resolves to.
 *
 * Only live pods are memoised: a deleted pod still resolves (late reports, through the IP history)
 * but leaves nothing behind, so memory follows the live cluster, not its history.
 */
import { Interned } from './intern.js'
import { EventEmitter } from 'node:events'
import { walkOwners, type OwnerInfo, type Workload } from './workload.js'
import type { PodInfo, ServiceInfo } from './cluster-index.js'

/** What the queries read from the index. */
export interface WorkloadSource {
  pods: ReadonlyMap<string, PodInfo>
  owner: (key: string) => OwnerInfo | undefined
  backendPods: (svc: ServiceInfo) => PodInfo[]
}

export interface WorkloadEvents {
  /** A pod's walk stopped at an owner not (yet) in the caches: its identity may change later. */
  provisional: [pod: PodInfo, workload: Workload]
  /** An owner object (ReplicaSet, Job, ...) was added, changed or removed. */
  owner: [key: string]
}

export const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`

interface WorkloadMemo { workload: Workload, owners: string[] }
interface ServiceMemo { value: { workload: Workload, pod?: PodInfo } }

export class WorkloadQueries extends EventEmitter<WorkloadEvents> {
  private readonly byPod = new Map<string, WorkloadMemo>()
  /** owner key -> uids of live pods whose memoised walk visited (or missed) it */
  private readonly podsByOwner = new Map<string, Set<string>>()
  private readonly byService = new Map<string, ServiceMemo>()
  /** pod uid -> Service keys whose memoised answer came from that pod */
  private readonly servicesByPod = new Map<string, Set<string>>()
  /** namespace -> Service keys memoised without a backend pod (any pod there may become one) */
  private readonly podlessServices = new Map<string, Set<string>>()
  private podsIndex?: Map<string, PodInfo[]>
  /** Memo misses and invalidations since start, for tests and benches. */
  readonly stats = { workloadMisses: 0, serviceMisses: 0, invalidations: 0 }

  private readonly workloadObjects = new Interned<Workload>()
  private readonly ownerKeys = new Interned<string>()

  constructor (private readonly source: WorkloadSource) { super() }

  /** The owner walk for a pod (kept or already deleted), and whether every owner was known. */
  walk (pod: PodInfo, visited?: string[]): Workload & { complete: boolean } {
    return walkOwners(pod, (kind, namespace, name) => {
      const key = ownerKey(kind, namespace, name)
      visited?.push(key)
      return this.source.owner(key)
    })
  }

  workloadOf (pod: PodInfo): Workload {
    const memo = this.byPod.get(pod.uid)
    if (memo) return memo.workload
    this.stats.workloadMisses++
    const visited: string[] = []
    const { complete, ...walked } = this.walk(pod, visited)
    // One object per workload and one string per owner key, shared by the workload's pods (intern.ts).
    const workload = this.workloadObjects.get(`${walked.kind}/${walked.namespace}/${walked.name}`, () => walked)
    const owners = visited.map((key) => this.ownerKeys.get(key, () => key))
    if (this.source.pods.get(pod.uid) === pod) {
      this.byPod.set(pod.uid, { workload, owners })
      for (const key of owners) {
        let set = this.podsByOwner.get(key)
        if (!set) { set = new Set(); this.podsByOwner.set(key, set) }
        set.add(pod.uid)
      }
    }
    if (!complete) this.emit('provisional', pod, workload)
    return workload
  }

  /** The pods of a workload (by kind/namespace/name), from an index rebuilt after pod or owner changes. */
  workloadPods (id: { kind: string, namespace?: string, name: string }): PodInfo[] {
    if (!this.podsIndex) {
      const byKey = new Map<string, PodInfo[]>()
      for (const pod of this.source.pods.values()) {
        const w = this.workloadOf(pod)
        const key = ownerKey(w.kind, w.namespace, w.name)
        const list = byKey.get(key)
        if (list) list.push(pod)
        else byKey.set(key, [pod])
      }
      this.podsIndex = byKey
    }
    return this.podsIndex.get(ownerKey(id.kind, id.namespace ?? '', id.name)) ?? []
  }

  /** The workload behind a Service (its first backend pod's by name), or the Service itself when it has none. */
  serviceWorkload (svc: ServiceInfo): { workload: Workload, pod?: PodInfo } {
    const key = `${svc.namespace}/${svc.name}`
    const memo = this.byService.get(key)
    if (memo) return memo.value
    this.stats.serviceMisses++
    let pod: PodInfo | undefined
    for (const p of this.source.backendPods(svc)) if (!pod || p.name < pod.name) pod = p
    const value = pod
      ? { workload: this.workloadOf(pod), pod }
      : { workload: { kind: 'Service', namespace: svc.namespace, name: svc.name } }
    this.byService.set(key, { value })
    if (pod) addTo(this.servicesByPod, pod.uid, key)
    else addTo(this.podlessServices, svc.namespace, key)
    return value
  }

  // ---- invalidation, called by the index's event handlers -------------------------------------

  /** A pod was added, changed or removed. */
  podChanged (uid: string, namespace: string): void {
    this.stats.invalidations++
    this.podsIndex = undefined
    this.forgetPod(uid)
    for (const key of take(this.servicesByPod, uid)) this.byService.delete(key)
    for (const key of take(this.podlessServices, namespace)) this.byService.delete(key)
  }

  /** An owner object was added, changed or removed. */
  ownerChanged (key: string): void {
    this.stats.invalidations++
    this.podsIndex = undefined
    for (const uid of take(this.podsByOwner, key)) {
      this.forgetPod(uid)
      for (const svc of take(this.servicesByPod, uid)) this.byService.delete(svc)
    }
    this.emit('owner', key)
  }

  /** A Service or one of its EndpointSlices changed. */
  serviceChanged (namespace: string, name: string): void {
    this.stats.invalidations++
    const key = `${namespace}/${name}`
    const memo = this.byService.get(key)
    if (!memo) return
    this.byService.delete(key)
    if (memo.value.pod) this.servicesByPod.get(memo.value.pod.uid)?.delete(key)
    else this.podlessServices.get(namespace)?.delete(key)
  }

  /** Memo entries held, for the index-forgets tests and the memory figures. */
  get size (): { pods: number, services: number, owners: number } {
    return { pods: this.byPod.size, services: this.byService.size, owners: this.podsByOwner.size }
  }

  private forgetPod (uid: string): void {
    const memo = this.byPod.get(uid)
    if (!memo) return
    this.byPod.delete(uid)
    for (const key of memo.owners) {
      const set = this.podsByOwner.get(key)
      set?.delete(uid)
      if (set?.size === 0) this.podsByOwner.delete(key)
    }
  }
}

function addTo (map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key)
  if (!set) { set = new Set(); map.set(key, set) }
  set.add(value)
}

/** Removes and returns the set under `key` (empty when none). */
function take (map: Map<string, Set<string>>, key: string): Iterable<string> {
  const set = map.get(key)
  if (!set) return []
  map.delete(key)
  return set
}
