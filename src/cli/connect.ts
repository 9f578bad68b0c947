import { readFile } from 'node:fs/promises'
import { createMapperClient, type MapperClient } from './mapper-client.js'

/** A client for the mapper named by --mapper-url, with the read token if one was given. */
export async function connect (config: { mapperUrl: string, readTokenFile?: string }): Promise<MapperClient> {
  const token = config.readTokenFile ? (await readFile(config.readTokenFile, 'utf8')).trim() : undefined
  return createMapperClient(config.mapperUrl, { token })
}
