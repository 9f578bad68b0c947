/**
 * The label selector that stands for one workload in exported policies: its stable pod labels, plus
 * a `NotIn` expression for every other workload of the namespace whose pods carry those labels too
 * (a canary `{app: api, track: canary}` beside `{app: api}`), on a label that workload has and this
 * one's pods lack. A workload that cannot be told apart (same labels) stays selected and is named, so
 * a person looks: the export never silently widens to it.
 */
import type { Identity } from '../../src/contract/map.js'
import type { ExportLookup } from './lookup.js'
import { idKey } from './group-edges.js'
import { stableLabels } from './stable-labels.js'

export interface SelectorExpression { key: string, operator: 'NotIn', values: string[] }

export interface WorkloadSelector {
  matchLabels: Record<string, string>
  matchExpressions: SelectorExpression[]
  /** Workloads this selector selects too, that no label tells apart. */
  shared: string[]
}

export function workloadSelector (id: Identity, labels: Record<string, string>, lookup: ExportLookup): WorkloadSelector {
  const { own: mine, others } = lookup.neighbours(id)
  const notIn = new Map<string, Set<string>>()
  const shared: string[] = []
  for (const n of others) {
    const theirs = stableLabels(n.pods.map((l) => ({ labels: l }))) ?? {}
    const selected = n.pods.some((l) => Object.entries(labels).every(([k, v]) => l[k] === v))
    if (!selected) continue
    const key = Object.keys(theirs).sort().find((k) => !(k in labels) && mine.every((l) => l[k] !== theirs[k]))
    if (key === undefined || !n.pods.every((l) => l[key] === theirs[key])) { shared.push(idKey(n.id)); continue }
    const set = notIn.get(key) ?? new Set<string>()
    set.add(theirs[key] as string)
    notIn.set(key, set)
  }
  const matchExpressions = [...notIn].sort(([a], [b]) => a.localeCompare(b)).map(([key, values]) => ({ key, operator: 'NotIn' as const, values: [...values].sort() }))
  return { matchLabels: labels, matchExpressions, shared: shared.sort() }
}

/** The selector as a Kubernetes LabelSelector (matchExpressions only when there are some). */
export function asLabelSelector (s: WorkloadSelector): { matchLabels: Record<string, string>, matchExpressions?: SelectorExpression[] } {
  return s.matchExpressions.length > 0 ? { matchLabels: s.matchLabels, matchExpressions: s.matchExpressions } : { matchLabels: s.matchLabels }
}
