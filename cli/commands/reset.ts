import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { resetResponseSchema } from '../../src/contract/snapshots.js'
import { clientOptions } from '../client-options.js'
import { createMapperClient } from '../mapper-client.js'
import { resolveMapper } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import type { Command } from '../dispatch.js'

const resetOptions = {
  ...clientOptions,
  'token-file': { schema: z.string().min(1), help: 'file holding the mapper\'s write token (the one sniffers use)' }
}

export const resetCommand: Command = {
  summary: 'clear the map',
  async run (argv) {
    const c = parseClientArgs('reset', resetOptions, argv)
    if (!c) return 0
    const token = (await readFile(c.tokenFile, 'utf8')).trim()
    const r = await createMapperClient((await resolveMapper(c)).url, { token }).post('/api/v1/reset', {}, resetResponseSchema)
    process.stdout.write(`map cleared: ${r.removedEdges} edges removed (snapshots kept)\n`)
    return 0
  }
}
