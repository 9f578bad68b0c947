/**
 * Requests built to break the mapper get a 4xx naming what is wrong, never a 5xx (issue: "small
 * ones" of the hostile-cluster review): durations past any clock, a report version nested thousands
 * deep, a policy of the wrong shape deep inside a posted list.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, TEST_TOKEN } from './test-app.js'

const auth = { authorization: `Bearer ${TEST_TOKEN}` }

test('times and windows past any clock are 400 with the parameter named, not 500 (RangeError)', async () => {
  const { app } = await buildTestApp()
  for (const [url, param] of [
    ['/api/v1/diff?from=1h&window=999999999999999999999h', 'window'],
    ['/api/v1/diff?from=99999999999999999999d', 'from'],
    ['/api/v1/diff?from=2026-11-26T00:00:00Z&to=99999999999999999999d', 'to'],
    ['/api/v1/map?since=99999999999999999999d', 'since'],
    ['/api/v1/map?until=9999999999999999h', 'until'],
    ['/api/v1/export?format=json&since=9999999999999999h', 'since']
  ] as const) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`)
    assert.match(res.json().message, new RegExp(`query\\.${param}`), url)
  }
})

test('a report version nested 5,000 deep is a 400 naming the version (the message used to overflow the stack)', async () => {
  const { app } = await buildTestApp()
  const payload = '{"version":' + '['.repeat(5000) + ']'.repeat(5000) + ',"node":"n","sentAt":0,"dns":[],"sockets":[]}'
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...auth, 'content-type': 'application/json' }, payload })
  assert.equal(res.statusCode, 400, res.body)
  assert.equal(res.json().code, 'PODMAP_ERR_REPORT_VERSION')
  assert.match(res.json().message, /body\.version: report version an array is not supported/)
})

test('a posted policy list with one bad field deep inside names that field', async () => {
  const { app } = await buildTestApp()
  const good = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { podSelector: {} } }
  const bad = { ...good, metadata: { name: 'b', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 5 } } } }
  const res = await app.inject({ method: 'POST', url: '/api/v1/shadow', payload: [good, bad] })
  assert.equal(res.statusCode, 400, res.body)
  assert.match(res.json().message, /body\[1\]\.spec\.podSelector\.matchLabels\.app/)
})
