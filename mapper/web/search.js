// Finding a workload by what a person types (pure): its full name as the page shows it
// (`Deployment shop/checkout`), `kind/namespace/name`, `namespace/name` or just the name; else
// every workload whose name contains the text, case-insensitively.

import { idKey, parseIdentityRef } from './identity.js'

/**
 * @param {Iterable<{ key: string, id: import('./identity.js').Identity }>} workloads
 * @param {string} text
 * @returns {{ match?: string, candidates: string[] }}
 */
export function findWorkload (workloads, text) {
  const q = text.trim()
  if (!q) return { candidates: [] }
  const ref = parseIdentityRef(q)
  const lower = q.toLowerCase()
  const exact = []
  const partial = []
  for (const w of workloads) {
    const full = w.id.namespace ? `${w.id.namespace}/${w.id.name}` : w.id.name
    if (w.key === q || (ref && idKey(ref) === w.key) || full === q || w.id.name === q) exact.push(w.key)
    else if (w.key.toLowerCase().includes(lower)) partial.push(w.key)
  }
  const found = (exact.length ? exact : partial).sort()
  return found.length === 1 ? { match: found[0], candidates: found } : { candidates: found }
}
