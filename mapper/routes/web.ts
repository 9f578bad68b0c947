/**
 * The web page at `/`: one HTML file, one JS module and one CSS file from mapper/web, read once at
 * start-up. The HTML is revalidated on every load (ETag, `no-cache`); it links the assets with a
 * content hash (`?v=`), so a versioned asset URL is cached for a year and a new build is picked up
 * by the next page load. The page only talks to the JSON API, so the CSP allows nothing but 'self'.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFound } from '../../src/errors/catalogue.js'

export interface WebAsset {
  body: Buffer
  contentType: string
  etag: string
  /** Short content hash, the `v` query parameter of the versioned URL. */
  version: string
}

export interface WebAssets {
  index: WebAsset
  /** By file name as linked from the page: `app.js`, `style.css`. */
  files: Map<string, WebAsset>
}

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8'
}

const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
  "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"
].join('; ')

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

/** mapper/web next to this file's folder, from the source tree or from dist/ (the image copies it there). */
export function defaultWebDir (): string {
  const candidates = [
    fileURLToPath(new URL('../web/', import.meta.url)),
    fileURLToPath(new URL('../../../mapper/web/', import.meta.url))
  ]
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[0] as string)
}

function asset (body: Buffer, contentType: string): WebAsset {
  const hash = createHash('sha256').update(body).digest('base64url')
  return { body, contentType, etag: `"${hash.slice(0, 27)}"`, version: hash.slice(0, 12) }
}

/** Reads the page and its assets; undefined when the directory holds no index.html. */
export async function loadWebAssets (dir: string): Promise<WebAssets | undefined> {
  if (!existsSync(join(dir, 'index.html'))) return undefined
  const files = new Map<string, WebAsset>()
  for (const [name, type] of Object.entries(ASSETS)) files.set(name, asset(await readFile(join(dir, name)), type))
  let html = await readFile(join(dir, 'index.html'), 'utf8')
  for (const [name, a] of files) html = html.replaceAll(`"/assets/${name}"`, `"/assets/${name}?v=${a.version}"`)
  return { index: asset(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8'), files }
}

function send (req: FastifyRequest, reply: FastifyReply, a: WebAsset, cacheControl: string): FastifyReply {
  reply
    .header('content-type', a.contentType)
    .header('cache-control', cacheControl)
    .header('etag', a.etag)
    .header('x-content-type-options', 'nosniff')
  const inm = req.headers['if-none-match']
  if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === a.etag)) {
    return reply.code(304).send()
  }
  return reply.send(a.body)
}

export interface WebRouteDeps {
  /** Folder with index.html, app.js and style.css; defaultWebDir() when omitted. */
  dir?: string
}

export function webRoutes (deps: WebRouteDeps = {}) {
  return async function (app: FastifyInstance): Promise<void> {
    const dir = deps.dir ?? defaultWebDir()
    const assets = await loadWebAssets(dir)
    if (!assets) app.log.warn({ dir }, 'web page assets not found: GET / answers 404')

    app.get('/', { schema: { hide: true }, config: { access: 'open' } }, async (req, reply) => {
      if (!assets) throw NotFound('the web page is not installed in this build')
      reply
        .header('content-security-policy', CSP)
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
      return send(req, reply, assets.index, REVALIDATE)
    })

    app.get<{ Params: { file: string }, Querystring: { v?: string } }>('/assets/:file', { schema: { hide: true }, config: { access: 'open' } }, async (req, reply) => {
      const a = assets?.files.get(req.params.file)
      if (!a) throw NotFound(`no asset ${req.params.file}`)
      return send(req, reply, a, req.query.v === a.version ? IMMUTABLE : REVALIDATE)
    })
  }
}
