import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseAllDocuments } from 'yaml'
import { shadowModeSchema, shadowResponseSchema, type ShadowResponse } from '../../src/contract/shadow.js'
import { ConfigInvalid } from '../../src/errors/catalogue.js'
import { clientOptions } from '../client-options.js'
import { connect } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import type { Command } from '../dispatch.js'
import { identityLabel as who } from '../render-table.js'
import { jsonOut, yamlOut } from '../inert-output.js'
import { inert } from '../../src/text/inert.js'

const shadowOptions = {
  ...clientOptions,
  filename: { schema: z.string().optional(), help: 'proposed NetworkPolicies (YAML documents, a List, or JSON); without it: the cluster\'s', short: 'f' },
  mode: { schema: shadowModeSchema.default('replace'), help: 'replace: evaluate only the proposed policies (default); add: with the cluster\'s' },
  namespace: { schema: z.string().optional(), help: 'only calls from or to these namespaces (comma-separated)', short: 'n' },
  output: { schema: z.enum(['table', 'wide', 'json', 'yaml']).default('table'), help: 'table (default: the denied calls), wide (every call with what decided it), json or yaml', short: 'o' }
}

/** Every NetworkPolicy in a file: YAML documents (each a policy or a List) or JSON. */
export function policiesFromText (text: string, file: string): unknown[] {
  const out: unknown[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw ConfigInvalid(`-f ${file}: ${doc.errors[0]?.message ?? 'not YAML'}`)
    const v = doc.toJS() as unknown
    if (v === null || v === undefined) continue
    if (Array.isArray(v)) out.push(...(v as unknown[]))
    else if (typeof v === 'object' && 'items' in v && Array.isArray((v as { items: unknown }).items)) out.push(...(v as { items: unknown[] }).items)
    else out.push(v)
  }
  return out
}

function table (rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? []
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  '))
}

const portOf = (c: { port?: { port: number, protocol: string } }): string => c.port ? `${c.port.port}/${c.port.protocol}` : '-'

/** `ingress: shop/orders-in ingress[1]` per side a rule allowed; `ingress denied by shop/a, shop/b` per side that denied. */
function decidedBy (c: { deniedBy?: ShadowResponse['denied'][number]['deniedBy'], allowedBy: ShadowResponse['allowed'][number]['allowedBy'] }): string {
  const parts = [
    ...(c.deniedBy ?? []).map((x) => `${x.direction} denied by ${x.policies.join(', ')} (no rule allows it)`),
    ...c.allowedBy.map((x) => `${x.direction} allowed by ${x.policy} ${x.direction}[${x.rule}]`)
  ]
  return parts.length > 0 ? parts.join('; ') : 'no policy selects either side'
}

export function renderShadow (r: ShadowResponse, wide = false): string {
  const lines = [`${r.denied.length} of ${r.evaluated} observed call(s) would be denied by ${r.policies.length} ${r.source} polic${r.policies.length === 1 ? 'y' : 'ies'}`]
  if (wide) {
    const calls = [
      ...r.denied.map((d) => ({ c: d, verdict: 'denied', deniedBy: d.deniedBy })),
      ...r.allowed.map((a) => ({ c: a, verdict: 'allowed', deniedBy: undefined }))
    ].sort((a, b) => `${who(a.c.client)} ${who(a.c.server)} ${portOf(a.c)}`.localeCompare(`${who(b.c.client)} ${who(b.c.server)} ${portOf(b.c)}`))
    if (calls.length === 0) return lines.join('\n') + '\n'
    const rows = [['CLIENT', 'SERVER', 'PORT', 'VERDICT', 'DECIDED BY']]
    for (const { c, verdict, deniedBy } of calls) rows.push([who(c.client), who(c.server), portOf(c), verdict, inert(decidedBy({ deniedBy, allowedBy: c.allowedBy }))])
    lines.push('', ...table(rows))
    return lines.join('\n') + '\n'
  }
  if (r.denied.length === 0) return lines.join('\n') + '\n'
  const rows = [['CLIENT', 'SERVER', 'PORT', 'DENIED BY']]
  for (const d of r.denied) {
    rows.push([who(d.client), who(d.server), portOf(d),
      inert(d.deniedBy.map((x) => `${x.direction} in ${x.namespace} (${x.policies.join(', ')})`).join('; '))])
  }
  lines.push('', ...table(rows))
  return lines.join('\n') + '\n'
}

export const shadowCommand: Command = {
  summary: 'calls that NetworkPolicies would deny',
  async run (argv) {
    const config = parseClientArgs('shadow', shadowOptions, argv)
    if (!config) return 0
    let proposed: unknown[] | undefined
    if (config.filename !== undefined) {
      const file = config.filename
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => { throw ConfigInvalid(`-f ${file}: cannot read: ${err.code ?? err.message}`) })
      proposed = policiesFromText(text, file)
    }
    const client = await connect(config)
    const qs = new URLSearchParams()
    if (config.namespace) qs.set('namespace', config.namespace)
    if (proposed) qs.set('mode', config.mode)
    const path = `/api/v1/shadow${qs.size > 0 ? `?${qs.toString()}` : ''}`
    const result = proposed ? await client.post(path, proposed, shadowResponseSchema) : await client.get(path, shadowResponseSchema)
    if (config.output === 'json') process.stdout.write(jsonOut(result))
    else if (config.output === 'yaml') process.stdout.write(yamlOut(result))
    else process.stdout.write(renderShadow(result, config.output === 'wide'))
    return 0
  }
}
