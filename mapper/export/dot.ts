/** Graphviz DOT: one cluster per namespace, edges labelled with ports. */
import type { Edge } from '../../src/contract/map.js'
import { graphModel } from './graph-model.js'

/**
 * A DOT string: backslash, quote and line break escaped, and `&` as `&amp;` (Graphviz reads HTML
 * entities in labels: `&#0;` would write a NUL into the SVG). The model's names are already inert.
 */
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/&/g, '&amp;').replace(/\n/g, '\\n')}"`

const SHAPES: Record<string, string> = { External: 'ellipse', Node: 'box3d' }

export function toDot (edges: Edge[]): string {
  const m = graphModel(edges)
  const lines = [
    'digraph podmap {',
    '  rankdir=LR;',
    '  fontname="DejaVu Sans"; node [fontname="DejaVu Sans", shape=box, style="rounded"]; edge [fontname="DejaVu Sans", fontsize=10];'
  ]
  m.groups.forEach((g, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(g.name)};`)
    for (const n of g.nodes) lines.push(`    ${n.id} [label=${quote(n.label)}${SHAPES[n.kind] ? `, shape=${SHAPES[n.kind] as string}` : ''}];`)
    lines.push('  }')
  })
  for (const e of m.edges) lines.push(`  ${e.from} -> ${e.to}${e.label ? ` [label=${quote(e.label)}]` : ''};`)
  lines.push('}')
  return lines.join('\n') + '\n'
}
