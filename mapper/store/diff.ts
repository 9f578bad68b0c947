/** Added, removed and changed edges between two maps (pure). */
import type { Edge, Evidence, Port } from '../../src/contract/map.js'
import type { ChangedEdge } from '../../src/contract/snapshots.js'
import { edgeKey } from './edge-store.js'

const key = (e: Edge): string => edgeKey(e.client, e.server)
const portKey = (p: Port): string => `${p.port}/${p.protocol}`

export function diffMaps (before: Edge[], after: Edge[]): { added: Edge[], removed: Edge[], changed: ChangedEdge[] } {
  const b = new Map(before.map((e) => [key(e), e]))
  const a = new Map(after.map((e) => [key(e), e]))
  const added: Edge[] = []
  const removed: Edge[] = []
  const changed: ChangedEdge[] = []
  for (const [k, e] of a) {
    const old = b.get(k)
    if (!old) { added.push(e); continue }
    const oldPorts = new Set(old.ports.map(portKey))
    const newPorts = new Set(e.ports.map(portKey))
    const ports = { added: e.ports.filter((p) => !oldPorts.has(portKey(p))), removed: old.ports.filter((p) => !newPorts.has(portKey(p))) }
    const evidence = {
      added: e.evidence.filter((x: Evidence) => !old.evidence.includes(x)),
      removed: old.evidence.filter((x: Evidence) => !e.evidence.includes(x))
    }
    if (ports.added.length + ports.removed.length + evidence.added.length + evidence.removed.length > 0) {
      changed.push({ client: e.client, server: e.server, ports, evidence })
    }
  }
  for (const [k, e] of b) if (!a.has(k)) removed.push(e)
  return { added, removed, changed }
}
