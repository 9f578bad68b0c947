import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from './test-app.js'

test('the OpenAPI document lists every API route with request and response schemas', async () => {
  const { app } = await buildTestApp()
  const res = await app.inject('/api/v1/openapi.json')
  assert.equal(res.statusCode, 200)
  const doc = res.json() as { openapi: string, paths: Record<string, Record<string, { responses: Record<string, unknown>, requestBody?: unknown, parameters?: Array<{ name: string }> }>> }
  assert.equal(doc.openapi, '3.0.3')
  for (const [path, method] of [['/api/v1/reports', 'post'], ['/api/v1/map', 'get'], ['/api/v1/snapshots', 'post'], ['/api/v1/snapshots', 'get'], ['/api/v1/diff', 'get'], ['/api/v1/reset', 'post'], ['/api/v1/clusters', 'get'], ['/healthz', 'get'], ['/readyz', 'get']]) {
    const op = doc.paths[path as string]?.[method as string]
    assert.ok(op, `${method} ${path} documented`)
    assert.ok(Object.keys(op.responses).some((c) => c.startsWith('2')), `${method} ${path} has a success response schema`)
  }
  assert.ok(doc.paths['/api/v1/reports']?.post?.requestBody, 'reports body documented')
  assert.deepEqual(doc.paths['/api/v1/map']?.get?.parameters?.map((p) => p.name).sort(), ['cluster', 'labelSelector', 'namespace', 'since', 'until'])
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/')) continue
    for (const [m, op] of Object.entries(ops)) assert.ok(Object.keys(op.responses).length > 0, `${m} ${path}`)
  }
})
