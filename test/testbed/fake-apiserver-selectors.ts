/**
 * Label and field selectors as the API server parses them from `labelSelector` / `fieldSelector`.
 * Labels: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`. Fields: metadata.name and
 * metadata.namespace with `=`, `==`, `!=`. Anything else is a 400, as on the real server.
 */

export interface Meta { name?: string, namespace?: string, labels?: Record<string, string> }
export type Matcher = (meta: Meta) => boolean

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function terms (s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) { out.push(cur); cur = '' } else cur += ch
  }
  out.push(cur)
  return out.map((t) => t.trim()).filter((t) => t !== '')
}

export function parseLabelSelector (s: string | null): Matcher {
  if (s === null || s.trim() === '') return () => true
  const tests: Matcher[] = terms(s).map((term) => {
    const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term)
    if (set) {
      const [, key = '', op, list = ''] = set
      const values = list.split(',').map((v) => v.trim())
      return op === 'in'
        ? (m) => m.labels?.[key] !== undefined && values.includes(m.labels[key] ?? '')
        : (m) => m.labels?.[key] === undefined || !values.includes(m.labels[key] ?? '')
    }
    const eq = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term)
    if (eq) {
      const [, key = '', op, value = ''] = eq
      return op === '!=' ? (m) => m.labels?.[key] !== value : (m) => m.labels?.[key] === value
    }
    const exists = /^(!?)([\w./-]+)$/.exec(term)
    if (exists) {
      const [, not, key = ''] = exists
      return not === '!' ? (m) => m.labels?.[key] === undefined : (m) => m.labels?.[key] !== undefined
    }
    throw new SelectorError(`unable to parse requirement: ${term}`)
  })
  return (m) => tests.every((t) => t(m))
}

export function parseFieldSelector (s: string | null): Matcher {
  if (s === null || s.trim() === '') return () => true
  const tests: Matcher[] = terms(s).map((term) => {
    const eq = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term)
    if (!eq) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`)
    const [, field = '', op, value = ''] = eq
    let get: (m: Meta) => string
    if (field === 'metadata.name') get = (m) => m.name ?? ''
    else if (field === 'metadata.namespace') get = (m) => m.namespace ?? ''
    else throw new SelectorError(`field label not supported: ${field}`)
    return op === '!=' ? (m) => get(m) !== value : (m) => get(m) === value
  })
  return (m) => tests.every((t) => t(m))
}
