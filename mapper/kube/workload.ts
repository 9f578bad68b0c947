/** Workload identity: the thing a policy names (Deployment, StatefulSet, ...), found by walking owners. */
import type { OwnerRef } from './objects.js'

export interface Workload { kind: string, namespace: string, name: string }

export const WORKLOAD_NAME_ANNOTATION = 'podmap.io/workload-name'

export interface OwnerInfo { ownerReferences?: OwnerRef[], annotations?: Record<string, string> }

/** Owner kinds the walk follows upward, and the kinds it may reach. */
const FOLLOW: Record<string, true> = { ReplicaSet: true, Job: true }

export function controllerOf (refs: OwnerRef[] | undefined): OwnerRef | undefined {
  if (!refs || refs.length === 0) return undefined
  return refs.find((r) => r.controller === true) ?? refs[0]
}

/**
 * Walks pod -> owner -> owner's owner through the informer caches. An owner not (yet) in the cache is
 * inferred where Kubernetes naming makes it certain (a ReplicaSet named `<deployment>-<pod-template-hash>`);
 * otherwise the walk stops at the last known owner. The annotation `podmap.io/workload-name` on the pod
 * or, failing that, the nearest owner carrying it renames the workload.
 */
export function walkOwners (
  pod: { namespace: string, name: string, ownerReferences?: OwnerRef[], annotations?: Record<string, string>, labels?: Record<string, string> },
  lookup: (kind: string, namespace: string, name: string) => OwnerInfo | undefined
): Workload & { complete: boolean } {
  let override = pod.annotations?.[WORKLOAD_NAME_ANNOTATION]
  const first = controllerOf(pod.ownerReferences)
  if (!first) return { kind: 'Pod', namespace: pod.namespace, name: override ?? pod.name, complete: true }
  let ref: OwnerRef = first
  // Complete unless the walk had to stop at an owner missing from the caches (it may arrive late).
  let complete = true
  for (let depth = 0; depth < 8; depth++) {
    const owner = lookup(ref.kind, pod.namespace, ref.name)
    override ??= owner?.annotations?.[WORKLOAD_NAME_ANNOTATION]
    const inferred = owner ? undefined : inferOwner(ref, pod.labels)
    if (!owner && !inferred && FOLLOW[ref.kind]) complete = false
    const next: OwnerRef | undefined = owner ? controllerOf(owner.ownerReferences) : inferred
    if (!next || !FOLLOW[ref.kind]) break
    ref = next
  }
  return { kind: ref.kind, namespace: pod.namespace, name: override ?? ref.name, complete }
}

function inferOwner (ref: OwnerRef, labels: Record<string, string> | undefined): OwnerRef | undefined {
  const hash = labels?.['pod-template-hash']
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1), uid: '' }
  }
  return undefined
}
