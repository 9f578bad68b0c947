/**
 * Every label selector podmap evaluates, in one place: selector strings from the API's
 * `labelSelector` (`app=web,tier!=db,env in (a,b),!legacy,release`), parsed once into a predicate
 * (unparseable input throws with the reason, for a 400); map selectors (Services); and structured
 * selectors (NetworkPolicy peers, for shadow mode).
 */
import type { LabelSelector } from '../../src/contract/shadow.js'

export type LabelPredicate = (labels: Record<string, string>) => boolean

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$/
const VALUE = /^(([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?)$/

function splitTopLevel (s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) { parts.push(cur); cur = '' } else cur += ch
  }
  parts.push(cur)
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

function checkKey (k: string, text: string): string {
  if (!KEY.test(k) || k.length > 316) throw new Error(`invalid label key "${k}" in selector "${text}"`)
  return k
}
function checkValue (v: string, text: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new Error(`invalid label value "${v}" in selector "${text}"`)
  return v
}

export function parseLabelSelector (text: string): LabelPredicate {
  const terms: LabelPredicate[] = []
  for (const req of splitTopLevel(text)) {
    let m: RegExpExecArray | null
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req))) {
      const key = checkKey(m[1] as string, text)
      const values = new Set((m[3] as string).split(',').map((v) => checkValue(v.trim(), text)))
      terms.push(m[2] === 'in' ? (l) => l[key] !== undefined && values.has(l[key]) : (l) => l[key] === undefined || !values.has(l[key]))
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(req))) {
      const key = checkKey(m[1] as string, text)
      const value = checkValue(m[3] as string, text)
      terms.push(m[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value)
    } else if ((m = /^!\s*(\S+)$/.exec(req))) {
      const key = checkKey(m[1] as string, text)
      terms.push((l) => l[key] === undefined)
    } else if ((m = /^(\S+)$/.exec(req))) {
      const key = checkKey(m[1] as string, text)
      terms.push((l) => l[key] !== undefined)
    } else {
      throw new Error(`cannot parse "${req}" in selector "${text}"`)
    }
  }
  return (labels) => terms.every((t) => t(labels))
}

/** A map selector (a Service's `spec.selector`, a `matchLabels`): every pair must be present. */
export function matchLabels (selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false
  return true
}

/** A structured selector (NetworkPolicy peers): matchLabels AND every matchExpression; empty selects all. */
export function selectorMatches (selector: LabelSelector, labels: Record<string, string>): boolean {
  if (selector.matchLabels && !matchLabels(selector.matchLabels, labels)) return false
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
