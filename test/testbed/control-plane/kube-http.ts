/**
 * A small HTTPS client for a real kube-apiserver, with the credentials of one identity (client
 * certificate or bearer token): JSON requests and line-delimited watches. Used by the launcher's
 * readiness checks, the node agent (kubelet and kube-proxy stand-in) and tests.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https'
import { readFileSync } from 'node:fs'

export interface KubeCredentials {
  server: string
  ca: string
  cert?: string
  key?: string
  token?: string
}

export interface KubeResponse<T = unknown> { status: number, body: T, text: string }

export class KubeHttpError extends Error {
  constructor (readonly status: number, readonly method: string, readonly path: string, readonly text: string) {
    super(`${method} ${path}: ${status} ${text.slice(0, 300)}`)
  }
}

export interface WatchEvent { type: string, object: KubeObject }
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: { name: string, namespace?: string, uid?: string, resourceVersion?: string, labels?: Record<string, string>, annotations?: Record<string, string>, deletionTimestamp?: string, deletionGracePeriodSeconds?: number, ownerReferences?: Array<{ kind: string, name: string, uid: string, controller?: boolean }>, creationTimestamp?: string, generateName?: string }
  [key: string]: unknown
}

export interface KubeClient {
  creds: KubeCredentials
  request: <T = unknown>(method: string, path: string, body?: unknown, opts?: { contentType?: string, allow?: number[], timeoutMs?: number }) => Promise<KubeResponse<T>>
  get: <T = unknown>(path: string) => Promise<T>
  /** Streams watch events until the server ends the watch or `signal` aborts; resolves then. */
  watch: (path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal) => Promise<void>
}

export function kubeClient (creds: KubeCredentials): KubeClient {
  const url = new URL(creds.server)
  const tls = {
    ca: readFileSync(creds.ca),
    ...(creds.cert !== undefined ? { cert: readFileSync(creds.cert) } : {}),
    ...(creds.key !== undefined ? { key: readFileSync(creds.key) } : {})
  }
  const options = (method: string, path: string, headers: Record<string, string>): RequestOptions => ({
    method,
    host: url.hostname,
    port: url.port,
    path,
    ...tls,
    headers: { accept: 'application/json', ...(creds.token !== undefined ? { authorization: `Bearer ${creds.token}` } : {}), ...headers }
  })

  const request = async <T>(method: string, path: string, body?: unknown, opts: { contentType?: string, allow?: number[], timeoutMs?: number } = {}): Promise<KubeResponse<T>> => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const headers: Record<string, string> = data === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(data.length) }
    return await new Promise((resolve, reject) => {
      const req = httpsRequest(options(method, path, headers), (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const status = res.statusCode ?? 0
          if ((status < 200 || status >= 300) && !(opts.allow ?? []).includes(status)) {
            reject(new KubeHttpError(status, method, path, text))
            return
          }
          let parsed: unknown = text
          try { parsed = text === '' ? undefined : JSON.parse(text) } catch { /* not JSON: keep the text */ }
          resolve({ status, body: parsed as T, text })
        })
      })
      req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)))
      req.on('error', reject)
      req.end(data)
    })
  }

  const watch = async (path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest({ ...options('GET', path, {}), signal }, (res) => {
        if (res.statusCode !== 200) {
          let text = ''
          res.on('data', (c: Buffer) => { text += c.toString('utf8') })
          res.on('end', () => reject(new KubeHttpError(res.statusCode ?? 0, 'GET', path, text)))
          return
        }
        let buffered = ''
        res.on('data', (c: Buffer) => {
          buffered += c.toString('utf8')
          let nl: number
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl)
            buffered = buffered.slice(nl + 1)
            if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent)
          }
        })
        res.on('end', () => resolve())
        res.on('error', (err) => { if (signal.aborted) resolve(); else reject(err) })
      })
      req.on('error', (err) => { if (signal.aborted) resolve(); else reject(err) })
      req.end()
    })
  }

  return {
    creds,
    request,
    get: async <T>(path: string): Promise<T> => (await request<T>('GET', path)).body,
    watch
  }
}
