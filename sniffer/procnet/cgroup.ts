/**
 * /proc/<pid>/cgroup text -> the Kubernetes pod (and container) a process belongs to, from the
 * kubelet's cgroup path. Pure. Handles both drivers and both cgroup versions:
 *   systemd driver (v1 or v2): /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope
 *   cgroupfs driver (v1 or v2): /kubepods/burstable/pod<uid>/<id>
 * Guaranteed pods have no QoS level (kubepods-pod<uid>.slice, /kubepods/pod<uid>). The container
 * part may carry a runtime prefix (cri-containerd-, crio-, docker-, cri-dockerd-) and a .scope suffix.
 */
import type { PodRef } from '../../src/contract/report.js'

export type { PodRef }

const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}'
const POD_SEGMENT = new RegExp(`^(?:kubepods(?:-[a-z]+)?-)?pod(${UID})(?:\\.slice)?$`)
const CONTAINER_SEGMENT = /^(?:[a-z][a-z0-9-]*-)?([0-9a-f]{64})(?:\.scope)?$/

/** The pod of the first line whose path runs through a kubepods pod segment; undefined if none. */
export function parseCgroup (text: string): PodRef | undefined {
  for (const line of text.split('\n')) {
    // hierarchy-ID:controller-list:path (the path may itself contain ':')
    const first = line.indexOf(':')
    const second = first < 0 ? -1 : line.indexOf(':', first + 1)
    if (second < 0) continue
    const path = line.slice(second + 1)
    if (!path.includes('kubepods')) continue
    const ref = parsePath(path)
    if (ref !== undefined) return ref
  }
  return undefined
}

function parsePath (path: string): PodRef | undefined {
  const segments = path.split('/')
  const kube = segments.findIndex((s) => s === 'kubepods' || s === 'kubepods.slice')
  if (kube < 0) return undefined
  for (let i = kube + 1; i < segments.length; i++) {
    const m = POD_SEGMENT.exec(segments[i]!)
    if (m?.[1] === undefined) continue
    const uid = m[1].replaceAll('_', '-')
    const container = segments[i + 1] === undefined ? undefined : CONTAINER_SEGMENT.exec(segments[i + 1]!)?.[1]
    return container === undefined ? { uid } : { uid, containerId: container }
  }
  return undefined
}
