import { readFile, writeFile } from 'node:fs/promises'
import { resolveMapper } from '../connect.js'
import { z } from 'zod'
import { graphFormatSchema } from '../../src/contract/export.js'
import { errorBodySchema } from '../../src/contract/error.js'
import { UsageError } from '../../src/errors/catalogue.js'
import { usage } from '../../src/config/options.js'
import { clientOptions } from '../client-options.js'
import { MapperError, MapperUnreachable } from '../../src/errors/catalogue.js'
import { parseClientArgs } from '../parse-client-args.js'
import type { Command } from '../dispatch.js'
import { inert } from '../../src/text/inert.js'

const visualizeOptions = {
  ...clientOptions,
  format: { schema: graphFormatSchema.default('svg'), help: 'svg (default), png, dot or mermaid' },
  output: { schema: z.string().optional(), help: 'the file to write (required for png; text formats go to stdout without it)', short: 'o' },
  namespace: { schema: z.string().optional(), help: 'only calls from or to these namespaces (comma-separated)', short: 'n' },
  'label-selector': { schema: z.string().optional(), help: 'only calls whose client or server pods match', short: 'l' },
  since: { schema: z.string().optional(), help: 'calls seen since an RFC 3339 time or a duration ago (24h)' },
  until: { schema: z.string().optional(), help: 'calls seen until an RFC 3339 time or a duration ago' }
}

export const visualizeCommand: Command = {
  summary: 'draw the map',
  async run (argv) {
    const config = parseClientArgs('visualize', visualizeOptions, argv)
    if (!config) return 0
    if (config.format === 'png' && config.output === undefined) throw UsageError(`--format png needs -o FILE\n\n${usage('visualize', visualizeOptions)}`)
    const token = config.readTokenFile ? (await readFile(config.readTokenFile, 'utf8')).trim() : undefined
    const endpoint = await resolveMapper(config)
    const url = new URL('/api/v1/graph', endpoint.url)
    const query = { format: config.format, namespace: config.namespace, labelSelector: config.labelSelector, since: config.since, until: config.until }
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v)
    let res: Response
    try {
      res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(60_000) })
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      throw MapperUnreachable(`cannot reach the mapper at ${endpoint.via}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    }
    const body = Buffer.from(await res.arrayBuffer())
    if (!res.ok) {
      let message = body.toString('utf8').slice(0, 200)
      try { const e = errorBodySchema.safeParse(JSON.parse(message)); if (e.success) message = e.data.message } catch {}
      throw MapperError(`GET ${url.pathname} -> ${res.status}: ${inert(message)}`)
    }
    if (config.output === undefined) process.stdout.write(body)
    else {
      await writeFile(config.output, body)
      process.stderr.write(`wrote ${config.format} (${body.length} bytes) to ${config.output}\n`)
    }
    return 0
  }
}
