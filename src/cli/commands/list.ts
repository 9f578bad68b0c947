import { z } from 'zod'
import { stringify } from 'yaml'
import { loadConfig, usage } from '../../config/options.js'
import { mapResponseSchema } from '../../contract/map.js'
import { ConfigInvalid, UsageError } from '../../errors/codes.js'
import { isCodedError } from '../../errors/coded-error.js'
import { clientOptions } from '../client-options.js'
import { connect } from '../connect.js'
import { renderMapTable } from '../render-table.js'
import type { Command } from '../main.js'

const listOptions = {
  ...clientOptions,
  output: { schema: z.enum(['table', 'json', 'yaml']).default('table'), help: 'table (default), json or yaml', short: 'o' },
  namespace: { schema: z.string().optional(), help: 'only calls from or to this namespace', short: 'n' }
}

export const listCommand: Command = {
  summary: 'print the map',
  async run (argv) {
    const config = parseClientArgs('list', listOptions, argv)
    if (!config) return 0
    const client = await connect(config)
    const map = await client.get('/api/v1/map', mapResponseSchema, { namespace: config.namespace })
    if (config.output === 'json') process.stdout.write(JSON.stringify(map, null, 2) + '\n')
    else if (config.output === 'yaml') process.stdout.write(stringify(map))
    else process.stdout.write(renderMapTable(map.edges))
    return 0
  }
}

/** Parses a client command's flags; bad flags are a usage error (exit 2) with the usage text. Undefined after --help. */
export function parseClientArgs<S extends typeof clientOptions> (command: string, specs: S, argv: string[]) {
  try {
    const config = loadConfig(specs, argv, process.env)
    if (config.help) { process.stdout.write(usage(command, specs) + '\n'); return undefined }
    return config
  } catch (err) {
    if (isCodedError(err) && err.code === ConfigInvalid().code) throw UsageError(`${err.message}\n\n${usage(command, specs)}`)
    throw err
  }
}
