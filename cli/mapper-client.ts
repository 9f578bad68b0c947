/** The CLI's HTTP client for the mapper API; responses are checked against the shared contract. */
import type { z } from 'zod'
import { errorBodySchema } from '../src/contract/error.js'
import { describeIssues } from '../src/contract/issues.js'
import { MapperError, MapperUnreachable } from '../src/errors/catalogue.js'
import { inert } from '../src/text/inert.js'


export interface MapperClient {
  get: <T extends z.ZodType>(path: string, schema: T, query?: Record<string, string | undefined>) => Promise<z.output<T>>
  post: <T extends z.ZodType>(path: string, body: unknown, schema: T) => Promise<z.output<T>>
}

export function createMapperClient (baseUrl: string, opts: { token?: string, timeoutMs?: number } = {}): MapperClient {
  async function request<T extends z.ZodType> (method: string, path: string, schema: T, query?: Record<string, string | undefined>, body?: unknown): Promise<z.output<T>> {
    const url = new URL(path, baseUrl)
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
    let res: Response
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {})
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000)
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      throw MapperUnreachable(`cannot reach the mapper at ${baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    }
    const text = await res.text()
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    if (!res.ok) {
      const e = errorBodySchema.safeParse(json)
      throw MapperError(`${method} ${url.pathname} -> ${res.status}: ${inert(e.success ? e.data.message : text.slice(0, 200))}`)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) throw MapperError(`${method} ${url.pathname}: unexpected response (${describeIssues(parsed.error, 'response')})`)
    return parsed.data
  }
  return {
    get: (path, schema, query) => request('GET', path, schema, query),
    post: (path, body, schema) => request('POST', path, schema, undefined, body)
  }
}
