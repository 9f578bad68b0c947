import { z } from 'zod'
import { diffResponseSchema, type DiffResponse } from '../../src/contract/snapshots.js'
import { clientOptions } from '../client-options.js'
import { connect } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import { identityLabel } from '../render-table.js'
import { jsonOut, yamlOut } from '../inert-output.js'
import { inert } from '../../src/text/inert.js'
import type { Command } from '../dispatch.js'

const diffOptions = {
  ...clientOptions,
  since: { schema: z.string().min(1), help: 'a snapshot name, an RFC 3339 time, or a duration (24h: the last 24 hours against the 24 before)' },
  to: { schema: z.string().optional(), help: 'a snapshot name or time to compare with (default now)' },
  window: { schema: z.string().optional(), help: 'length of the window ending at a time endpoint' },
  namespace: { schema: z.string().optional(), help: 'only calls from or to these namespaces (comma-separated)', short: 'n' },
  output: { schema: z.enum(['text', 'json', 'yaml']).default('text'), help: 'text (default), json or yaml', short: 'o' }
}

export const diffCommand: Command = {
  summary: 'calls that appeared, disappeared or changed',
  async run (argv) {
    const c = parseClientArgs('diff', diffOptions, argv)
    if (!c) return 0
    const client = await connect(c)
    const d = await client.get('/api/v1/diff', diffResponseSchema, { from: c.since, to: c.to, window: c.window, namespace: c.namespace })
    if (c.output === 'json') process.stdout.write(jsonOut(d))
    else if (c.output === 'yaml') process.stdout.write(yamlOut(d))
    else process.stdout.write(renderDiff(d))
    return 0
  }
}

export function renderDiff (d: DiffResponse): string {
  const at = (e: DiffResponse['from']): string => inert(e.snapshot ? `snapshot ${e.snapshot} (${e.until})` : e.since ? `${e.since} .. ${e.until}` : `until ${e.until}`)
  const lines = [`from ${at(d.from)}`, `to   ${at(d.to)}`, '']
  const ports = (ps: Array<{ port: number, protocol: string }>): string => ps.map((p) => `${p.port}/${p.protocol}`).join(',')
  for (const e of d.added) lines.push(`+ ${identityLabel(e.client)} -> ${identityLabel(e.server)}${e.ports.length ? ` [${ports(e.ports)}]` : ''}`)
  for (const e of d.removed) lines.push(`- ${identityLabel(e.client)} -> ${identityLabel(e.server)}${e.ports.length ? ` [${ports(e.ports)}]` : ''}`)
  for (const e of d.changed) {
    const parts: string[] = []
    if (e.ports.added.length) parts.push(`+ports ${ports(e.ports.added)}`)
    if (e.ports.removed.length) parts.push(`-ports ${ports(e.ports.removed)}`)
    if (e.evidence.added.length) parts.push(`+evidence ${e.evidence.added.join(',')}`)
    if (e.evidence.removed.length) parts.push(`-evidence ${e.evidence.removed.join(',')}`)
    lines.push(`~ ${identityLabel(e.client)} -> ${identityLabel(e.server)}: ${parts.join('; ')}`)
  }
  if (d.added.length + d.removed.length + d.changed.length === 0) lines.push('no change')
  return lines.join('\n') + '\n'
}
