import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { defaultWebDir, webRoutes } from '../../../mapper/routes/web.js'

const WEB = fileURLToPath(new URL('../../../mapper/web/', import.meta.url))

async function appFor (dir?: string) {
  const app = Fastify()
  await app.register(webRoutes(dir === undefined ? {} : { dir }))
  return app
}

function versionOf (html: string, file: string): string {
  const m = new RegExp(`"/assets/${file.replace('.', '\\.')}\\?v=([A-Za-z0-9_-]+)"`).exec(html)
  assert.ok(m?.[1], `the page links ${file} with a version: ${html}`)
  return m[1]
}

test('GET / serves the page as HTML, revalidated, with a strict CSP', async () => {
  const app = await appFor()
  const res = await app.inject({ method: 'GET', url: '/' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  assert.equal(res.headers['cache-control'], 'no-cache')
  assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]{27}"$/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  const csp = String(res.headers['content-security-policy'])
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
  assert.match(res.body, /<svg id="graph"/)
  assert.match(res.body, /<select id="namespace"/)
})

test('assets are linked by content hash: the versioned URL is immutable, any other revalidates', async () => {
  const app = await appFor()
  const html = (await app.inject({ method: 'GET', url: '/' })).body
  for (const [file, type] of [['app.js', 'text/javascript; charset=utf-8'], ['style.css', 'text/css; charset=utf-8']] as const) {
    const v = versionOf(html, file)
    const res = await app.inject({ method: 'GET', url: `/assets/${file}?v=${v}` })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], type)
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    // Modules are served as written, but for the versions on their imports.
    assert.equal(res.body.replace(/\?v=[A-Za-z0-9_-]+'/g, "'"), readFileSync(join(WEB, file), 'utf8'))
    const stale = await app.inject({ method: 'GET', url: `/assets/${file}?v=old` })
    assert.equal(stale.headers['cache-control'], 'no-cache')
    const bare = await app.inject({ method: 'GET', url: `/assets/${file}` })
    assert.equal(bare.headers['cache-control'], 'no-cache')
    assert.equal(bare.body, res.body)
  }
})

test('every module of the page is served, preloaded, and imported by its versioned URL', async () => {
  const app = await appFor()
  const html = (await app.inject({ method: 'GET', url: '/' })).body
  const modules = readdirSync(WEB).filter((f) => f.endsWith('.js')).sort()
  assert.ok(modules.length > 5, `the page is split into modules: ${modules.join(', ')}`)
  const versions = new Map(modules.map((m) => [m, versionOf(html, m)]))
  for (const m of modules.filter((x) => x !== 'app.js')) assert.match(html, new RegExp(`<link rel="modulepreload" href="/assets/${m.replace('.', '\\.')}\\?v=`))
  for (const m of modules) {
    const body = (await app.inject({ method: 'GET', url: `/assets/${m}?v=${versions.get(m) as string}` })).body
    for (const [, dep, v] of body.matchAll(/from '\.\/([a-z-]+\.js)\?v=([A-Za-z0-9_-]+)'/g)) assert.equal(v, versions.get(dep as string), `${m} imports ${dep as string} at its version`)
    assert.doesNotMatch(body, /from '\.\/[a-z-]+\.js'/, `${m}: every import is versioned`)
  }
})

test('a module that imports a file not in the folder, or an import cycle, fails start-up', async () => {
  const dir = mkdtempSync('/tmp/podmap-web-')
  try {
    writeFileSync(join(dir, 'index.html'), '<script type="module" src="/assets/app.js"></script>')
    writeFileSync(join(dir, 'app.js'), "import { a } from './missing.js'\nconsole.log(a)\n")
    await assert.rejects(appFor(dir), /app\.js imports \.\/missing\.js, which is not in the web folder/)
    writeFileSync(join(dir, 'app.js'), "import { b } from './b.js'\nexport const a = 1\n")
    writeFileSync(join(dir, 'b.js'), "import { a } from './app.js'\nexport const b = a\n")
    await assert.rejects(appFor(dir), /import cycle/)
  } finally { rmSync(dir, { recursive: true, force: true }) }
})

test('a matching If-None-Match answers 304 without a body; HEAD answers headers only', async () => {
  const app = await appFor()
  const first = await app.inject({ method: 'GET', url: '/' })
  const etag = String(first.headers.etag)
  const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': `W/"nope", ${etag}` } })
  assert.equal(again.statusCode, 304)
  assert.equal(again.body, '')
  const other = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"something-else"' } })
  assert.equal(other.statusCode, 200)
  const head = await app.inject({ method: 'HEAD', url: '/' })
  assert.equal(head.statusCode, 200)
  assert.equal(head.headers['content-type'], 'text/html; charset=utf-8')
  assert.equal(head.body, '')
})

test('only the page\'s own assets are served: unknown names and traversal are 404', async () => {
  const app = await appFor()
  for (const url of ['/assets/nope.js', '/assets/index.html', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fweb.ts']) {
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, 404, url)
    assert.equal(res.json().code, 'PODMAP_ERR_NOT_FOUND', url)
  }
})

test('a build without the assets still starts, and GET / says the page is not installed', async () => {
  const dir = mkdtempSync('/tmp/podmap-web-')
  try {
    const app = await appFor(join(dir, 'missing'))
    const res = await app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 404)
    assert.match(res.json().message, /not installed/)
    assert.equal((await app.inject({ method: 'GET', url: '/assets/app.js' })).statusCode, 404)
  } finally { rmSync(dir, { recursive: true, force: true }) }
})

test('assets come from the folder given, and the page is re-versioned when an asset changes', async () => {
  const dir = mkdtempSync('/tmp/podmap-web-')
  try {
    writeFileSync(join(dir, 'index.html'), '<link rel="stylesheet" href="/assets/style.css"><script type="module" src="/assets/app.js"></script>')
    writeFileSync(join(dir, 'style.css'), 'body{}')
    writeFileSync(join(dir, 'app.js'), 'console.log(1)')
    const v1 = versionOf((await (await appFor(dir)).inject({ method: 'GET', url: '/' })).body, 'app.js')
    writeFileSync(join(dir, 'app.js'), 'console.log(2)')
    const v2 = versionOf((await (await appFor(dir)).inject({ method: 'GET', url: '/' })).body, 'app.js')
    assert.notEqual(v1, v2)
  } finally { rmSync(dir, { recursive: true, force: true }) }
})

test('the default folder is mapper/web from the source tree', () => {
  assert.equal(defaultWebDir(), WEB)
})

test('the page script never turns API data into markup (no innerHTML and friends)', () => {
  for (const file of readdirSync(WEB).filter((f) => f.endsWith('.js'))) {
    const js = readFileSync(join(WEB, file), 'utf8')
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'style=', '.style.']) {
      assert.ok(!js.includes(sink), `${file} uses ${sink}`)
    }
  }
  const html = readFileSync(join(WEB, 'index.html'), 'utf8')
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script (the CSP would block it)')
  assert.doesNotMatch(html, /\sstyle=/, 'no inline style attribute (the CSP would block it)')
})
