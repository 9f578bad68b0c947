import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { snapshotListSchema, snapshotSummarySchema } from '../../src/contract/snapshots.js'
import { UsageError } from '../../src/errors/catalogue.js'
import { usage } from '../../src/config/options.js'
import { clientOptions } from '../client-options.js'
import { createMapperClient } from '../mapper-client.js'
import { resolveMapper } from '../connect.js'
import { parseClientArgs } from '../parse-client-args.js'
import type { Command } from '../dispatch.js'
import { inert } from '../../src/text/inert.js'

const snapshotOptions = {
  ...clientOptions,
  'token-file': { schema: z.string().optional(), help: 'file holding the mapper\'s write token (needed to create a snapshot)' }
}

export const snapshotCommand: Command = {
  summary: 'pin the current map under a name, or list the pinned ones',
  async run (argv) {
    const c = parseClientArgs('snapshot', snapshotOptions, argv)
    if (!c) return 0
    const [action, name] = c.positionals
    const token = c.tokenFile ? (await readFile(c.tokenFile, 'utf8')).trim() : undefined
    const client = createMapperClient((await resolveMapper(c)).url, { token })
    if (action === 'list' || action === undefined) {
      const { snapshots } = await client.get('/api/v1/snapshots', snapshotListSchema)
      if (snapshots.length === 0) process.stdout.write('no snapshots\n')
      for (const s of snapshots) process.stdout.write(`${inert(s.name).padEnd(24)} ${inert(s.createdAt)}  ${s.edges} edges\n`)
      return 0
    }
    if (action === 'create' && name) {
      const s = await client.post('/api/v1/snapshots', { name }, snapshotSummarySchema)
      process.stdout.write(`snapshot ${inert(s.name)} pinned: ${s.edges} edges at ${inert(s.createdAt)}\n`)
      return 0
    }
    throw UsageError(`usage: podmap snapshot list | podmap snapshot create NAME\n\n${usage('snapshot', snapshotOptions)}`)
  }
}
