import { z } from 'zod'
import { mapResponseSchema } from '../../src/contract/map.js'
import { clientOptions } from '../client-options.js'
import { connect } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import { renderMapTable } from '../render-table.js'
import { jsonOut, yamlOut } from '../inert-output.js'
import type { Command } from '../dispatch.js'

export const filterOptions = {
  namespace: { schema: z.string().optional(), help: 'only calls from or to these namespaces (comma-separated)', short: 'n' },
  'label-selector': { schema: z.string().optional(), help: 'only calls whose client or server pods match (app=web,tier!=db)', short: 'l' },
  since: { schema: z.string().optional(), help: 'only calls seen since (RFC 3339 time or duration: 24h)' },
  until: { schema: z.string().optional(), help: 'only calls seen until (RFC 3339 time or duration)' }
}

export function filterQuery (c: { namespace?: string, labelSelector?: string, since?: string, until?: string }): Record<string, string | undefined> {
  return { namespace: c.namespace, labelSelector: c.labelSelector, since: c.since, until: c.until }
}

const listOptions = {
  ...clientOptions,
  ...filterOptions,
  output: { schema: z.enum(['table', 'json', 'yaml']).default('table'), help: 'table (default), json or yaml', short: 'o' }
}

export const listCommand: Command = {
  summary: 'print the map',
  async run (argv) {
    const config = parseClientArgs('list', listOptions, argv)
    if (!config) return 0
    const client = await connect(config)
    const map = await client.get('/api/v1/map', mapResponseSchema, filterQuery(config))
    if (config.output === 'json') process.stdout.write(jsonOut(map))
    else if (config.output === 'yaml') process.stdout.write(yamlOut(map))
    else process.stdout.write(renderMapTable(map.edges))
    return 0
  }
}
