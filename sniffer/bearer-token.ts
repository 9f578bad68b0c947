/**
 * The bearer token each report carries (the mapper's --sniffer-auth decides which it accepts):
 *
 * - the shared token (--token-file), read once at start;
 * - the sniffer's projected ServiceAccount token (--service-account-token-file, audience `podmap`),
 *   read again for every report. The kubelet replaces the file before the token expires (an atomic
 *   swap of the `..data` symlink), so a token read once would be refused within the hour. A read
 *   that fails or finds the file empty keeps the last token read (valid until it expires) and is
 *   reported through `onReadError`; the report goes on.
 */
import { readFile } from 'node:fs/promises'
import { readTokenFile } from '../src/config/token-file.js'
import { ConfigInvalid } from '../src/errors/catalogue.js'

/** The token for the next report. Never rejects. */
export type BearerToken = () => Promise<string>

export function fixedToken (token: string): BearerToken {
  return async () => token
}

/** `first` is what was read at start (a missing or empty file there is a configuration error). */
export function rotatingTokenFile (path: string, first: string, onReadError: (err: Error) => void): BearerToken {
  let last = first
  return async () => {
    try {
      const token = (await readFile(path, 'utf8')).trim()
      if (token === '') onReadError(new Error(`${path} is empty`))
      else last = token
    } catch (err) {
      onReadError(err as Error)
    }
    return last
  }
}

/**
 * The token the options name: exactly one of --token-file and --service-account-token-file, read
 * now (unreadable or empty is a configuration error naming the option).
 */
export async function bearerTokenFrom (files: { tokenFile?: string | undefined, serviceAccountTokenFile?: string | undefined }, onReadError: (err: Error) => void): Promise<BearerToken> {
  const { tokenFile, serviceAccountTokenFile } = files
  if (tokenFile === undefined && serviceAccountTokenFile === undefined) {
    throw ConfigInvalid('invalid configuration:\n  - --token-file or --service-account-token-file: one is required (set it or PODMAP_TOKEN_FILE / PODMAP_SERVICE_ACCOUNT_TOKEN_FILE)')
  }
  if (tokenFile !== undefined && serviceAccountTokenFile !== undefined) {
    throw ConfigInvalid('invalid configuration:\n  - --token-file and --service-account-token-file: give one (the mapper\'s --sniffer-auth says which it accepts)')
  }
  if (serviceAccountTokenFile !== undefined) {
    return rotatingTokenFile(serviceAccountTokenFile, await readTokenFile('service-account-token-file', serviceAccountTokenFile), onReadError)
  }
  return fixedToken(await readTokenFile('token-file', tokenFile as string))
}
