/**
 * The web page at `/`: index.html and the ES modules and stylesheet of mapper/web (every `.js` and
 * `.css` file there), read once at start-up; no build step. The HTML is revalidated on every load
 * (ETag, `no-cache`); it links each asset with a content hash (`?v=`), so a versioned asset URL is
 * cached for a year and a new build is picked up by the next page load. Modules import each other
 * as `from './name.js'`: those specifiers are served versioned too (a module's hash covers the
 * versions of what it imports), and the page preloads every module. The page only talks to the
 * JSON API, so the CSP allows nothing but 'self'.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
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
  /** By file name as linked from the page: `app.js`, `layout.js`, `style.css`. */
  files: Map<string, WebAsset>
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8'
}

/** `from './name.js'` in a module: the only import form the page's modules use. */
const IMPORT = /(\bfrom\s*)'\.\/([a-z][a-z0-9-]*\.js)'/g

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

/**
 * Each module's body with its imports pointing at versioned URLs, hashed after that rewrite, so a
 * change anywhere reaches every module that depends on it. An import of a file that is not there,
 * or a cycle, fails start-up: the page would not load.
 */
function versionModules (sources: Map<string, string>): Map<string, WebAsset> {
  const done = new Map<string, WebAsset>()
  const visiting = new Set<string>()
  const visit = (name: string, from: string): WebAsset => {
    const ready = done.get(name)
    if (ready) return ready
    const src = sources.get(name)
    if (src === undefined) throw new Error(`web page: ${from} imports ./${name}, which is not in the web folder`)
    if (visiting.has(name)) throw new Error(`web page: import cycle through ${name}`)
    visiting.add(name)
    const body = src.replace(IMPORT, (_m, head: string, dep: string) => `${head}'./${dep}?v=${visit(dep, name).version}'`)
    visiting.delete(name)
    const a = asset(Buffer.from(body, 'utf8'), TYPES['.js'] as string)
    done.set(name, a)
    return a
  }
  for (const name of [...sources.keys()].sort()) visit(name, name)
  return done
}

/** Reads the page and its assets; undefined when the directory holds no index.html. */
export async function loadWebAssets (dir: string): Promise<WebAssets | undefined> {
  if (!existsSync(join(dir, 'index.html'))) return undefined
  const names = (await readdir(dir)).filter((n) => TYPES[extname(n)] !== undefined).sort()
  const modules = new Map<string, string>()
  const files = new Map<string, WebAsset>()
  for (const name of names) {
    if (extname(name) === '.js') modules.set(name, await readFile(join(dir, name), 'utf8'))
    else files.set(name, asset(await readFile(join(dir, name)), TYPES[extname(name)] as string))
  }
  for (const [name, a] of versionModules(modules)) files.set(name, a)
  let html = await readFile(join(dir, 'index.html'), 'utf8')
  for (const [name, a] of files) html = html.replaceAll(`"/assets/${name}"`, `"/assets/${name}?v=${a.version}"`)
  // Preload every module at once rather than discovering them import by import.
  const preload = [...modules.keys()].filter((n) => n !== 'app.js')
    .map((n) => `<link rel="modulepreload" href="/assets/${n}?v=${(files.get(n) as WebAsset).version}">`).join('\n  ')
  if (preload) html = html.replace(/(\s*)<script type="module"/, `$1${preload}$1<script type="module"`)
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
  /** Folder with index.html and the page's modules and stylesheet; defaultWebDir() when omitted. */
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
