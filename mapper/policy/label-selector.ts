/** Kubernetes label selector semantics: matchLabels AND every matchExpression; empty selects all. */
import type { LabelSelector } from '../../src/contract/shadow.js'

export function selectorMatches (selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key)
    const value = labels[e.key]
    const values = e.values ?? []
    switch (e.operator) {
      case 'In': if (!has || value === undefined || !values.includes(value)) return false; break
      case 'NotIn': if (has && value !== undefined && values.includes(value)) return false; break
      case 'Exists': if (!has) return false; break
      case 'DoesNotExist': if (has) return false; break
    }
  }
  return true
}
