import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { ConfigInvalid, KubeApiFailed, MapperUnreachable, PortForwardFailed } from '../src/errors/catalogue.js'
import { isCodedError } from '../src/errors/coded-error.js'
import { findMapper } from './kube-connect.js'
import { loadKubeConfig } from '../src/kube/kubeconfig.js'
import { createMapperClient, type MapperClient } from './mapper-client.js'
import { startPortForward } from './port-forward.js'

export interface ConnectConfig {
  /** '' (or undefined): find the mapper through the Kubernetes API and port-forward to it. */
  mapperUrl?: string
  readTokenFile?: string
  kubeconfig?: string
  context?: string
  mapperNamespace?: string
  /** Milliseconds allowed for finding the mapper and opening the forward (default 15 s). */
  requestTimeout?: number
}

export interface MapperEndpoint {
  /** The base URL to send requests to. */
  url: string
  /** How it was reached, for messages: the URL given, or `pod ns/name:port via port-forward`. */
  via: string
  /** The last port-forward failure, if any. */
  forwardError: () => string | undefined
  close: () => Promise<void>
}

/**
 * Where the mapper is: --mapper-url if given; else the mapper Service's ready pod, port-forwarded
 * through the API server of the kubeconfig to a local port (closed by close(), or at exit).
 */
export async function resolveMapper (config: ConnectConfig): Promise<MapperEndpoint> {
  if (config.mapperUrl) return { url: config.mapperUrl, via: config.mapperUrl, forwardError: () => undefined, close: async () => {} }
  const kc = loadKubeConfig({ paths: config.kubeconfig, context: config.context, otherwise: { homeDir: homedir() }, purpose: 'to find the mapper with', alternative: '--mapper-url' })
  const server = kc.getCurrentCluster()?.server ?? 'the cluster'
  const ms = config.requestTimeout ?? 15_000
  const abort = new AbortController()
  const target = await withTimeout(findMapper(kc, { namespace: config.mapperNamespace, signal: abort.signal }), ms, () => {
    abort.abort()
    return KubeApiFailed(`no answer from the Kubernetes API at ${server} within ${ms} ms while looking for the mapper (--request-timeout)`)
  })
  const forward = await withTimeout(startPortForward(kc, target), ms,
    () => PortForwardFailed(`port-forward to pod ${target.namespace}/${target.pod}:${target.port} through ${server} not open within ${ms} ms (--request-timeout)`))
  return {
    url: forward.url,
    via: `pod ${target.namespace}/${target.pod}:${target.port} (Service ${target.service}) via port-forward`,
    forwardError: forward.lastError,
    close: forward.close
  }
}

/** A client for the mapper (see resolveMapper), with the read token if one was given. */
export async function connect (config: ConnectConfig): Promise<MapperClient & { close: () => Promise<void> }> {
  let token: string | undefined
  if (config.readTokenFile) {
    const path = config.readTokenFile
    token = (await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      // One line naming the flag and the file, not a stack trace.
      throw ConfigInvalid(`--read-token-file: cannot read ${path}: ${err.code ?? err.message}`)
    })).trim()
    if (token === '') throw ConfigInvalid(`--read-token-file: ${path} is empty`)
  }
  const endpoint = await resolveMapper(config)
  const client = createMapperClient(endpoint.url, { token })
  // Through a port-forward, "cannot reach 127.0.0.1:<port>" says nothing: say what the tunnel said.
  const explain = (err: unknown): never => {
    const forwardError = endpoint.forwardError()
    if (forwardError !== undefined && isCodedError(err) && err.code === MapperUnreachable().code) {
      throw PortForwardFailed(`cannot reach the mapper at ${endpoint.via}: ${forwardError}`)
    }
    throw err
  }
  return {
    get: async (path, schema, query) => await client.get(path, schema, query).catch(explain),
    post: async (path, body, schema) => await client.post(path, body, schema).catch(explain),
    close: endpoint.close
  }
}

/** The promise, or `fail()` after `ms` (the timer does not keep the process alive). */
async function withTimeout<T> (p: Promise<T>, ms: number, fail: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(fail()), ms); timer.unref() })
  try { return await Promise.race([p, expired]) } finally { clearTimeout(timer) }
}
