/**
 * Auth is decided by the route that matched, never by the URL text: every registered route, under
 * every spelling of its path that the router may still match (percent-encoded letters, doubled
 * slashes, other case, a trailing slash, dot segments) and with every method, answers nothing but
 * 401 (or 404/405: no route) without a token, unless the route is declared open.
 * Guards the read-token bypass (`GET /%61pi/v1/map` answered 200) and the unchecked POST /api/v1/shadow.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, TEST_TOKEN } from '../test-app.js'
import { IP, T0 } from '../fixtures.js'

const READ_TOKEN = 'read-token-for-access-test'
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const

/** Spellings of one path that a router may normalise back to it. */
export function pathVariants (path: string): string[] {
  const out = new Set<string>([path, path.toUpperCase(), `${path}/`, `/${path}`, path.replaceAll('/', '//'), `/.${path}`, path.replace(/^\/([^/]+)\//, '/$1/../$1/')])
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as string
    if (/[a-z]/i.test(c)) {
      out.add(path.slice(0, i) + hex(c) + path.slice(i + 1))
      out.add(path.slice(0, i) + hex(c).toUpperCase() + path.slice(i + 1))
    }
  }
  out.add(path.replace(/[a-z]/gi, hex))
  out.add(path.replaceAll('/', '%2F'))
  return [...out]
}

const report = {
  version: 1, node: 'node-a', sentAt: T0,
  dns: [],
  sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: T0, lastSeen: T0, count: 1 }]
}

test('every route declares its access, and none is reachable without its token under any spelling or method', async () => {
  const { app } = await buildTestApp({ readToken: READ_TOKEN })
  const seed = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: report })
  assert.equal(seed.statusCode, 200, seed.body)
  const routes = app.routeAccess
  assert.ok(routes.length >= 15, `routes found: ${routes.length}`)
  for (const kind of ['open', 'read', 'report', 'admin']) assert.ok(routes.some((r) => r.access === kind), `some route is ${kind}`)
  assert.ok(routes.some((r) => r.method === 'POST' && r.url === '/api/v1/shadow' && r.access === 'read'), 'POST /api/v1/shadow is a read route')

  const closed = routes.filter((r) => r.access !== 'open')
  let requests = 0
  for (const r of closed) {
    const path = r.url.replace(/:[A-Za-z0-9_]+/g, 'x')
    for (const url of pathVariants(path)) {
      for (const method of METHODS) {
        const res = await app.inject({ method, url, payload: method === 'POST' || method === 'PUT' || method === 'PATCH' ? {} : undefined })
        requests++
        assert.ok([401, 404, 405].includes(res.statusCode) || (res.statusCode === 400 && !res.body.includes('checkout')),
          `${method} ${url} (route ${r.method} ${r.url}, ${r.access}) without a token answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
        assert.ok(!res.body.includes('checkout'), `${method} ${url} leaked map data`)
        // With the right route matched, the only acceptable answer is 401: a 400 means a handler ran.
        if (method === r.method && url === path) assert.equal(res.statusCode, 401, `${method} ${url}`)
      }
    }
  }
  // The test can fail: with the tokens, the same routes answer.
  const withRead = await app.inject({ method: 'GET', url: '/%61pi/v1/map', headers: { authorization: `Bearer ${READ_TOKEN}` } })
  assert.equal(withRead.statusCode, 200, 'the router does decode /%61pi/v1/map to the map route')
  assert.ok(withRead.body.includes('checkout'))
  const shadow = await app.inject({ method: 'POST', url: '/api/v1/shadow', headers: { authorization: `Bearer ${READ_TOKEN}` }, payload: [] })
  assert.equal(shadow.statusCode, 200, shadow.body)
  assert.ok(requests > 1000, `requests sent: ${requests}`)
})

test('report and admin routes check the token before the body is read: a bad body without a token is 401, not 400 or 415', async () => {
  const { app } = await buildTestApp()
  for (const [method, url] of [['POST', '/api/v1/reports'], ['POST', '/api/v1/snapshots'], ['POST', '/api/v1/reset']] as const) {
    for (const [payload, type] of [['{not json', 'application/json'], ['<xml/>', 'application/xml'], ['{"version":' + '['.repeat(5000) + ']'.repeat(5000) + '}', 'application/json']]) {
      const res = await app.inject({ method, url, payload, headers: { 'content-type': type as string } })
      assert.equal(res.statusCode, 401, `${method} ${url} ${type}: ${res.body.slice(0, 120)}`)
    }
  }
})

test('a route without config.access cannot be registered', async () => {
  const { app } = await buildTestApp()
  assert.throws(() => app.get('/api/v1/unchecked', async () => ({})), /declares no config\.access/)
})
