import type { Evidence, Identity, Port } from '../../src/contract/map.js'

/** One resolved observation: who called whom, on which server port, seen how, when, how often. */
export interface Call {
  client: Identity
  server: Identity
  port?: Port
  evidence: Evidence
  /** External servers: the addresses this observation saw it at. */
  addresses?: string[]
  at: number
  count: number
}

export function identityKey (id: Identity): string {
  return `${id.kind}/${id.namespace ?? ''}/${id.name}`
}
