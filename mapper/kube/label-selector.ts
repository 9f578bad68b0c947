/**
 * Kubernetes label selector strings (`app=web,tier!=db,env in (a,b),!legacy,release`), parsed once
 * into a predicate. Unparseable input throws with the reason, for a 400.
 */
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
