import { readFile } from 'node:fs/promises'
import { ConfigInvalid } from '../errors/catalogue.js'

/** A bearer token from a file named by an option: trimmed; unreadable or empty is a config error naming the option. */
export async function readTokenFile (option: string, path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((err: Error) => {
    throw ConfigInvalid(`invalid configuration:\n  - --${option}: cannot read ${path}: ${err.message}`)
  })
  const token = text.trim()
  if (token === '') throw ConfigInvalid(`invalid configuration:\n  - --${option}: ${path} is empty`)
  return token
}
