/**
 * A workload's stable pod labels: those all its pods share, minus the ones controllers stamp per
 * revision, per pod or per run (a CronJob's Job name changes every run, so its pods are selected by
 * the template's labels, never by job-name or controller-uid).
 */
export const UNSTABLE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'pod-template-generation',
  'batch.kubernetes.io/controller-uid',
  'controller-uid',
  'batch.kubernetes.io/job-name',
  'job-name',
  'batch.kubernetes.io/job-completion-index'
])

export function stableLabels (pods: Array<{ labels: Record<string, string> }>): Record<string, string> | undefined {
  const [first, ...rest] = pods
  if (!first) return undefined
  const out: Record<string, string> = {}
  for (const k of Object.keys(first.labels).sort()) {
    const v = first.labels[k]
    if (v === undefined || UNSTABLE_LABELS.has(k)) continue
    if (rest.every((p) => p.labels[k] === v)) out[k] = v
  }
  return out
}
