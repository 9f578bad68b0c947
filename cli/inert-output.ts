/**
 * What the CLI prints for machines (-o json, -o yaml), inert on a terminal: the same values for a
 * parser, with every control, bidi and invisible character of a name written as an escape (see
 * src/text/inert.ts). Tables and text call `inert` on each name instead.
 */
import { Document, Scalar, visit } from 'yaml'
import { hasUnsafe, inertJson } from '../src/text/inert.js'

export function jsonOut (value: unknown): string {
  return inertJson(JSON.stringify(value, null, 2)) + '\n'
}

/**
 * YAML whose strings holding such characters are double-quoted (the one YAML style with escapes),
 * those characters then written as `\uXXXX`: the document parses back to the same values.
 */
export function yamlOut (value: unknown): string {
  const doc = new Document(value)
  let unsafe = false
  visit(doc, {
    Scalar (_key, node) {
      if (typeof node.value === 'string' && hasUnsafe(node.value)) { node.type = Scalar.QUOTE_DOUBLE; unsafe = true }
    }
  })
  const text = doc.toString({ lineWidth: 0 })
  // Only double-quoted scalars can hold those characters now; yaml escapes C0 controls there itself.
  return unsafe ? inertJson(text) : text
}
