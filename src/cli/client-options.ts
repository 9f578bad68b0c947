import { z } from 'zod'
import type { OptionSpecs } from '../config/options.js'

/** Options every API-talking command shares. */
export const clientOptions = {
  'mapper-url': { schema: z.url(), help: 'the mapper\'s base URL, e.g. http://localhost:9090 ($PODMAP_MAPPER_URL)' },
  'read-token-file': { schema: z.string().optional(), help: 'file holding a bearer token for the read API, if the mapper requires one' },
  help: { schema: z.boolean().default(false), help: 'show this help', flag: true, short: 'h' }
} satisfies OptionSpecs
