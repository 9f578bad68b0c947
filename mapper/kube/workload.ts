/** Workload identity: the thing a policy names (Deployment, StatefulSet, ...), found by walking owners. */
import type { OwnerRef } from './objects.js'

export interface Workload { kind: string, namespace: string, name: string }

export const WORKLOAD_NAME_ANNOTATION = 'podmap.io/workload-name'

/**
 * The kind of a workload named by the annotation: a space of its own, so an annotation never takes
 * another workload's identity. Anyone who may create a pod could otherwise write
 * `podmap.io/workload-name: checkout` and be merged into Deployment checkout (its policies then
 * selecting the imposter's pods too, or none at all). Pods annotated alike still form one workload.
 * (Sorted after every owner kind, so an owner-derived workload keeps its object names in exports.)
 */
export const ANNOTATED_KIND = 'Workload'

/** A DNS-1123 subdomain, as Kubernetes object names are: anything else in the annotation is ignored. */
const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/

function annotatedName (annotations: Record<string, string> | undefined): string | undefined {
  const v = annotations?.[WORKLOAD_NAME_ANNOTATION]
  return v !== undefined && OBJECT_NAME.test(v) ? v : undefined
}

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
 * or, failing that, the nearest owner carrying it names the workload instead, as kind `Workload`
 * (ANNOTATED_KIND); a value that is not an object name is ignored.
 */
export function walkOwners (
  pod: { namespace: string, name: string, ownerReferences?: OwnerRef[], annotations?: Record<string, string>, labels?: Record<string, string> },
  lookup: (kind: string, namespace: string, name: string) => OwnerInfo | undefined
): Workload & { complete: boolean } {
  let override = annotatedName(pod.annotations)
  const first = controllerOf(pod.ownerReferences)
  if (!first) return override !== undefined ? { kind: ANNOTATED_KIND, namespace: pod.namespace, name: override, complete: true } : { kind: 'Pod', namespace: pod.namespace, name: pod.name, complete: true }
  let ref: OwnerRef = first
  // Complete unless the walk had to stop at an owner missing from the caches (it may arrive late).
  let complete = true
  for (let depth = 0; depth < 8; depth++) {
    const owner = lookup(ref.kind, pod.namespace, ref.name)
    override ??= annotatedName(owner?.annotations)
    const inferred = owner ? undefined : inferOwner(ref, pod.labels)
    if (!owner && !inferred && FOLLOW[ref.kind]) complete = false
    const next: OwnerRef | undefined = owner ? controllerOf(owner.ownerReferences) : inferred
    if (!next || !FOLLOW[ref.kind]) break
    ref = next
  }
  if (override !== undefined) return { kind: ANNOTATED_KIND, namespace: pod.namespace, name: override, complete }
  return { kind: ref.kind, namespace: pod.namespace, name: ref.name, complete }
}

function inferOwner (ref: OwnerRef, labels: Record<string, string> | undefined): OwnerRef | undefined {
  const hash = labels?.['pod-template-hash']
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1), uid: '' }
  }
  return undefined
}
