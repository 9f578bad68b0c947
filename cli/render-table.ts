import type { Edge, Identity } from '../src/contract/map.js'
import { inert } from '../src/text/inert.js'

/** `Kind namespace/name`, every part inert (names may carry terminal escapes, newlines, bidi overrides). */
export function identityLabel (id: Identity): string {
  const ns = id.namespace ? `${inert(id.namespace)}/` : ''
  return `${inert(id.kind)} ${ns}${inert(id.name)}`
}

/** The map as a readable table: one block per client, its servers beneath with ports and evidence. */
export function renderMapTable (edges: Edge[]): string {
  if (edges.length === 0) return 'no calls observed yet\n'
  const byClient = new Map<string, Edge[]>()
  for (const e of edges) {
    const key = identityLabel(e.client)
    const list = byClient.get(key) ?? []
    list.push(e)
    byClient.set(key, list)
  }
  const rows: string[][] = [['CLIENT', 'SERVER', 'SERVICE', 'PORTS', 'EVIDENCE', 'LAST SEEN']]
  for (const [client, list] of byClient) {
    list.forEach((e, i) => {
      rows.push([
        i === 0 ? client : '',
        identityLabel(e.server),
        e.server.service !== undefined ? inert(e.server.service) : '-',
        e.ports.length > 0 ? e.ports.map((p) => `${p.port}/${p.protocol}`).join(',') : '-',
        e.evidence.join(','),
        inert(e.lastSeen)
      ])
    })
  }
  const widths = rows[0]!.map((_h, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}
