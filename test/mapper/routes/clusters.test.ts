import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../test-app.js'
import { call } from '../store/map-store-suite.js'

test('GET /api/v1/clusters lists this mapper\'s cluster; map reads name clusters with cluster=, each edge tagged; a bad name is a 400', async () => {
  const { app, embedded } = await buildTestApp()
  await embedded.record([call()])
  const clusters = await app.inject({ method: 'GET', url: '/api/v1/clusters' })
  assert.equal(clusters.statusCode, 200)
  assert.deepEqual(clusters.json(), { cluster: 'default', clusters: [{ name: 'default', edges: 1 }] })
  const named = await app.inject({ method: 'GET', url: '/api/v1/map?cluster=default,prod-eu-1' })
  assert.deepEqual(named.json().edges.map((e: { cluster?: string }) => e.cluster), ['default'])
  const plain = await app.inject({ method: 'GET', url: '/api/v1/map' })
  assert.equal(plain.json().edges[0].cluster, undefined)
  const bad = await app.inject({ method: 'GET', url: '/api/v1/map?cluster=Prod_EU' })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().message, /query.cluster: "Prod_EU" is not a cluster name/)
  await app.close()
})
