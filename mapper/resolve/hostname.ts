/**
 * Which DNS names may become an external destination (and so an FQDN rule in an export): hostnames
 * in the letters-digits-hyphen form only. A DNS response can carry any bytes in a name — `*`,
 * `*.com`, empty labels, spaces, control characters — and a forged report anything at all; written
 * into ClientIntents `domains` or a Cilium `matchName`, `*.com` is a wildcard allow rule made from
 * telemetry. Such names are refused at ingest and counted; exports check again (names stored before
 * this check).
 */

export type NameRefusal =
  | 'name-wildcard' | 'name-empty-label' | 'name-not-ldh' | 'name-too-long' | 'name-numeric' | 'name-single-label'

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/
const NUMERIC = /^[0-9]+$/

/**
 * Why `name` (lower case, without the root's trailing dot) is not a hostname an FQDN rule may name,
 * or undefined when it is: labels of 1-63 letters, digits and inner hyphens, 253 characters in all,
 * at least two labels (a single label is a search-list leftover or `localhost`), and a last label
 * that is not all digits (that is an address written as a name).
 */
export function refuseHostname (name: string): NameRefusal | undefined {
  if (name.includes('*')) return 'name-wildcard'
  if (name.length > 253) return 'name-too-long'
  const labels = name.split('.')
  let tooLong = false
  for (const label of labels) {
    if (label.length === 0) return 'name-empty-label'
    if (label.length > 63) tooLong = true
    else if (!LDH_LABEL.test(label)) return 'name-not-ldh'
  }
  if (tooLong) return 'name-too-long'
  if (labels.length < 2) return 'name-single-label'
  if (NUMERIC.test(labels[labels.length - 1] as string)) return 'name-numeric'
  return undefined
}

/** Whether an External identity's name is a hostname an FQDN rule may name. */
export function isHostname (name: string): boolean {
  return refuseHostname(name) === undefined
}
