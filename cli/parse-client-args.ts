import { loadConfig, usage, type OptionSpecs } from '../src/config/options.js'
import { ConfigInvalid, UsageError } from '../src/errors/catalogue.js'
import { isCodedError } from '../src/errors/coded-error.js'
import type { clientOptions } from './client-options.js'

/** Parses a client command's flags; bad flags are a usage error (exit 2) with the usage text. Undefined after --help. */
export function parseClientArgs<S extends typeof clientOptions & OptionSpecs> (command: string, specs: S, argv: string[]) {
  try {
    const config = loadConfig(specs, argv, process.env)
    if (config.help) { process.stdout.write(usage(command, specs) + '\n'); return undefined }
    return config
  } catch (err) {
    if (isCodedError(err) && err.code === ConfigInvalid().code) throw UsageError(`${err.message}\n\n${usage(command, specs)}`)
    throw err
  }
}
