import { readFile } from 'node:fs/promises'
import { ConfigInvalid } from '../errors/codes.js'
import { createMapperClient, type MapperClient } from './mapper-client.js'

/** A client for the mapper named by --mapper-url, with the read token if one was given. */
export async function connect (config: { mapperUrl: string, readTokenFile?: string }): Promise<MapperClient> {
  let token: string | undefined
  if (config.readTokenFile) {
    const path = config.readTokenFile
    token = (await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      // One line naming the flag and the file, not a stack trace.
      throw ConfigInvalid(`--read-token-file: cannot read ${path}: ${err.code ?? err.message}`)
    })).trim()
    if (token === '') throw ConfigInvalid(`--read-token-file: ${path} is empty`)
  }
  return createMapperClient(config.mapperUrl, { token })
}
