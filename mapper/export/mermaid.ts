/** Mermaid flowchart: one subgraph per namespace, edges labelled with ports. */
import type { Edge } from '../../src/contract/map.js'
import { graphModel } from './graph-model.js'

/**
 * A Mermaid label (a quoted string): every character Mermaid reads inside one — `#` (its entity
 * escape), `"`, `<`, `>`, `&` (HTML labels) and a backtick (markdown strings) — as a `#code;` entity,
 * and the model's own line breaks as `<br/>`. The model's names are already inert (no control
 * characters, no raw line breaks of their own).
 */
const text = (s: string): string => s.replace(/[#"<>&`]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\n/g, '<br/>')

export function toMermaid (edges: Edge[]): string {
  const m = graphModel(edges)
  const lines = ['flowchart LR']
  m.groups.forEach((g, i) => {
    lines.push(`  subgraph g${i}["${text(g.name)}"]`)
    for (const n of g.nodes) lines.push(n.kind === 'External' ? `    ${n.id}(["${text(n.label)}"])` : `    ${n.id}["${text(n.label)}"]`)
    lines.push('  end')
  })
  for (const e of m.edges) lines.push(e.label ? `  ${e.from} -->|"${text(e.label)}"| ${e.to}` : `  ${e.from} --> ${e.to}`)
  return lines.join('\n') + '\n'
}
