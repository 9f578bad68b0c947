/**
 * Raw list and watch over the API server for the informers. Both hand over plain JSON (strings for
 * timestamps), so the sink sees one shape whether an object came from a list or a watch; client-node's
 * typed clients would turn list items into models with Date fields while watch events stay raw JSON.
 * Connection, TLS and auth come from the KubeConfig (`applyToFetchOptions`), as in client-node's Watch.
 */
import { request as httpRequest, type Agent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node'

export class ApiError extends Error {
  constructor (message: string, readonly statusCode?: number) { super(message) }
}

interface Prepared { url: URL, agent: Agent | undefined, headers: OutgoingHttpHeaders }

async function prepare (kc: KubeConfig, path: string, query: Record<string, string>): Promise<Prepared> {
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new ApiError('kubeconfig has no current cluster')
  const url = new URL(cluster.server.replace(/\/$/, '') + path)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
  const init = await kc.applyToFetchOptions({}) as unknown as { agent?: Agent, headers?: Headers }
  const headers: OutgoingHttpHeaders = { accept: 'application/json' }
  init.headers?.forEach((value, key) => { headers[key] = value })
  return { url, agent: init.agent, headers }
}

function send (p: Prepared, signal: AbortSignal): ReturnType<typeof httpRequest> {
  const fn = p.url.protocol === 'https:' ? httpsRequest : httpRequest
  return fn(p.url, { method: 'GET', agent: p.agent, headers: p.headers, signal })
}

async function readBody (res: IncomingMessage, limit = Infinity): Promise<string> {
  let body = ''
  for await (const chunk of res) {
    if (body.length < limit) body += String(chunk)
  }
  return body
}

function statusError (what: string, code: number, body: string): ApiError {
  let message = body.slice(0, 300)
  try { message = (JSON.parse(body) as { message?: string }).message ?? message } catch {}
  return new ApiError(`${what}: HTTP ${code}${message ? `: ${message}` : ''}`, code)
}

/** GET one page; throws ApiError (with statusCode) on anything but 200. */
async function getJson (kc: KubeConfig, path: string, query: Record<string, string>, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  const p = await prepare(kc, path, query)
  return await new Promise((resolve, reject) => {
    const req = send(p, signal)
    req.setTimeout(timeoutMs, () => req.destroy(new ApiError(`list ${path}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.on('response', (res) => {
      res.setEncoding('utf8')
      readBody(res).then((body) => {
        if (res.statusCode !== 200) return reject(statusError(`list ${path}`, res.statusCode ?? 0, body))
        try { resolve(JSON.parse(body)) } catch (err) { reject(new ApiError(`list ${path}: bad JSON: ${String(err)}`)) }
      }, reject)
    })
    req.end()
  })
}

/**
 * Lists a collection page by page (limit 500). Items get kind/apiVersion from the list: the real
 * server leaves them out of list items but puts them on watch events.
 */
export async function listAll (kc: KubeConfig, path: string, signal: AbortSignal, timeoutMs: number, slim: (o: KubernetesObject) => KubernetesObject = (o) => o): Promise<KubernetesListObject<KubernetesObject>> {
  const items: KubernetesObject[] = []
  let cont: string | undefined
  let last: KubernetesListObject<KubernetesObject> | undefined
  for (let page = 0; page < 100_000; page++) {
    const query: Record<string, string> = { limit: '500', ...(cont !== undefined ? { continue: cont } : {}) }
    last = await getJson(kc, path, query, signal, timeoutMs) as KubernetesListObject<KubernetesObject>
    const kind = last.kind?.replace(/List$/, '')
    for (const item of last.items ?? []) items.push(slim({ ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? last.apiVersion }))
    cont = (last.metadata as { continue?: string } | undefined)?.continue || undefined
    if (cont === undefined) break
  }
  return { ...last, items }
}

/** What the supervisor learns about each watch connection; `conn` tells connections apart. */
export interface WatchHooks {
  onStart: (conn: number) => void
  onOpen: (conn: number) => void
  onLine: (conn: number, type: string, object: unknown) => void
  onEnd: (conn: number, err: Error | null) => void
}

export interface WatchOptions {
  /** Asked of the server per watch; it then ends the stream cleanly and ListWatch re-watches. */
  timeoutSeconds: () => number
  /**
   * Asked before each watch: true ends it at once as 410 Gone without a request, so ListWatch lists
   * again (and diffs the list into adds, updates and deletes) before its next watch. A restart of
   * ListWatch alone only watches again from the resourceVersion it holds.
   */
  relist?: () => boolean
  /** What of each added, modified or deleted object is kept (slim-object.ts); all of it when omitted. */
  slim?: (o: unknown) => unknown
}

/**
 * A client-node Watch for ListWatch that (a) asks for bookmarks and a server-side timeout, (b) reports
 * every line (bookmarks included) so the supervisor can spot a silent stall, (c) returns its
 * AbortController at once so a connection stuck before its headers can still be aborted, and (d) does
 * not call `done` after an abort: an abort is always ListWatch's own stop/restart.
 */
export class InformerWatch extends Watch {
  private nextConn = 0

  constructor (config: KubeConfig, private readonly hooks: WatchHooks, private readonly opts: WatchOptions) {
    super(config)
  }

  override async watch (
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void
  ): Promise<AbortController> {
    const conn = ++this.nextConn
    const controller = new AbortController()
    const query: Record<string, string> = { watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: String(this.opts.timeoutSeconds()) }
    for (const [k, v] of Object.entries(queryParams)) if (v !== undefined) query[k] = String(v)
    this.hooks.onStart(conn)
    let finished = false
    const finish = (err: Error | null): void => {
      if (finished) return
      finished = true
      this.hooks.onEnd(conn, err)
      if (!controller.signal.aborted) {
        controller.abort()
        done(err)
      }
    }
    if (this.opts.relist?.() === true) {
      setImmediate(() => finish(new ApiError(`watch ${path}: re-list requested`, 410)))
      return controller
    }
    prepare(this.config, path, query).then((p) => {
      if (controller.signal.aborted) return finish(null)
      const req = send(p, controller.signal)
      req.on('socket', (s) => s.setKeepAlive(true, 30_000))
      req.on('error', (err) => finish(err))
      req.on('response', (res) => {
        res.setEncoding('utf8')
        if (res.statusCode !== 200) {
          readBody(res, 4096).then((body) => finish(statusError(`watch ${path}`, res.statusCode ?? 0, body)), finish)
          return
        }
        this.hooks.onOpen(conn)
        const openedAt = Date.now()
        let lines = 0
        let buf = ''
        res.on('data', (chunk: string) => {
          buf += chunk
          let i: number
          while ((i = buf.indexOf('\n')) >= 0 && !controller.signal.aborted) {
            const line = buf.slice(0, i).trim()
            buf = buf.slice(i + 1)
            if (line === '') continue
            let event: { type?: string, object?: unknown }
            try { event = JSON.parse(line) as typeof event } catch { continue }
            lines++
            this.hooks.onLine(conn, event.type ?? '', event.object)
            const type = event.type ?? ''
            if (this.opts.slim !== undefined && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) event.object = this.opts.slim(event.object)
            const r = callback(type, event.object, event) as unknown
            if (r instanceof Promise) r.catch((err: unknown) => this.hooks.onLine(conn, 'HANDLER_ERROR', err))
          }
        })
        res.on('error', () => {})
        res.on('close', () => {
          if (!res.complete) return finish(new ApiError(`watch ${path}: stream broke off`))
          // A server that ends watches at once would make ListWatch spin: treat it as a failure.
          if (lines === 0 && Date.now() - openedAt < 1000) return finish(new ApiError(`watch ${path}: closed at once without events`))
          finish(null)
        })
      })
      req.end()
    }, (err: unknown) => { setImmediate(() => finish(err instanceof Error ? err : new Error(String(err)))) })
    return controller
  }
}
