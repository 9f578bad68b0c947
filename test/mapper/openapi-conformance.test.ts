/**
 * Regression tests for what schemathesis (test/judges/schemathesis.test.ts) found in the OpenAPI
 * document: a guarded route answering 401 without documenting it, one bearer scheme for two tokens,
 * /metrics documented as JSON, and the YAML export documented as a JSON string.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'yaml'
import { buildTestApp } from './test-app.js'

interface Op { responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>, security?: Array<Record<string, string[]>> }
interface Doc { paths: Record<string, Record<string, Op>>, components: { securitySchemes: Record<string, { type: string, scheme: string }> } }

async function doc (): Promise<{ doc: Doc, routes: Array<{ method: string, url: string, access: string }>, app: Awaited<ReturnType<typeof buildTestApp>>['app'] }> {
  const { app } = await buildTestApp({ readToken: 'read-token-0123456789' })
  const res = await app.inject('/api/v1/openapi.json')
  return { doc: res.json() as Doc, routes: (app as unknown as { routeAccess: Array<{ method: string, url: string, access: string }> }).routeAccess, app }
}

const openApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}')

test('every guarded route documents its 401 and names the token it needs: readToken for read routes, reportToken for reports and admin', async () => {
  const { doc: d, routes } = await doc()
  assert.deepEqual(Object.keys(d.components.securitySchemes).sort(), ['readToken', 'reportToken'])
  let checked = 0
  for (const r of routes) {
    const op = d.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]
    if (!op || r.access === 'open') continue
    assert.ok(op.responses['401'], `${r.method} ${r.url} documents 401`)
    assert.deepEqual(op.security, [{ [r.access === 'read' ? 'readToken' : 'reportToken']: [] }], `${r.method} ${r.url}`)
    checked++
  }
  assert.ok(checked >= 10, `${checked} guarded operations`)
})

test('GET /metrics is documented as text/plain, as it answers', async () => {
  const { doc: d, app } = await doc()
  assert.deepEqual(Object.keys(d.paths['/metrics']?.get?.responses['200']?.content ?? {}), ['text/plain'])
  assert.match((await app.inject('/metrics')).headers['content-type'] as string, /^text\/plain/)
})

test('the YAML export is documented as any YAML value (what a client parsing YAML gets), not as a JSON string', async () => {
  const { doc: d, app } = await doc()
  const yaml = d.paths['/api/v1/export']?.get?.responses['200']?.content?.['application/yaml']?.schema ?? {}
  assert.notEqual(yaml.type, 'string')
  const res = await app.inject({ url: '/api/v1/export?format=json', headers: { authorization: 'Bearer read-token-0123456789' } })
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(parse(res.body), { edges: [] })
})
