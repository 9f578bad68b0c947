/** Heavy pictures are bounded: rendered in a worker (deadline, heap limit), capped by size with a hint, cached by content; health and reports go on meanwhile. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../test-app.js'
import { IP } from '../fixtures.js'
import { PictureCache } from '../../../mapper/export/picture-cache.js'
import type { Call } from '../../../mapper/store/call.js'

const TOKEN = 'graph-render-token'

/** `clients` workloads each calling `fanout` of `servers`: clients + servers graph nodes. */
function bigMap (clients: number, servers: number, fanout: number): Call[] {
  const now = Date.now()
  const calls: Call[] = []
  for (let c = 0; c < clients; c++) {
    for (let k = 0; k < fanout; k++) {
      calls.push({ client: { kind: 'Deployment', namespace: `ns${c % 7}`, name: `client-${c}` }, server: { kind: 'Deployment', namespace: 'core', name: `server-${(c * 7 + k) % servers}` }, port: { port: 8080 + k, protocol: 'TCP' }, evidence: 'tcp', first: now, last: now, count: 1 })
    }
  }
  return calls
}

async function appWith (calls: Call[], render: { maxGraphNodes: number, deadlineMs?: number }) {
  const built = await buildTestApp({ token: TOKEN, render: { deadlineMs: 120_000, maxHeapMb: 512, ...render } })
  for (const c of calls) built.embedded.edges.add(c, 0)
  return built
}

test('past --graph-max-nodes an SVG or PNG is a 422 naming the size and the way out; DOT and Mermaid still answer', async () => {
  const { app } = await appWith(bigMap(20, 5, 2), { maxGraphNodes: 10 })
  for (const format of ['svg', 'png']) {
    const res = await app.inject({ url: `/api/v1/graph?format=${format}` })
    assert.equal(res.statusCode, 422, res.body)
    assert.equal(res.json().code, 'PODMAP_ERR_GRAPH_TOO_LARGE')
    assert.match(res.json().message, /25 workloads; at most 10 .*namespace=/)
  }
  assert.equal((await app.inject({ url: '/api/v1/graph?format=dot' })).statusCode, 200)
  const filtered = await app.inject({ url: '/api/v1/graph?format=svg&namespace=ns1' })
  assert.equal(filtered.statusCode, 200, 'the hint works: one namespace fits')
  await app.close()
})

test('a render past its deadline ends the worker and answers 422; the next picture renders in a new worker', async () => {
  const { app } = await appWith(bigMap(150, 30, 3), { maxGraphNodes: 1000, deadlineMs: 1 })
  const slow = await app.inject({ url: '/api/v1/graph?format=png' })
  assert.equal(slow.statusCode, 422, slow.body)
  assert.match(slow.json().message, /took longer than 1 ms/)
  await app.close()
  const { app: ok } = await appWith(bigMap(3, 2, 1), { maxGraphNodes: 1000, deadlineMs: 60_000 })
  try {
    const svg = await ok.inject({ url: '/api/v1/graph?format=svg' })
    assert.equal(svg.statusCode, 200)
    assert.match(svg.body, /client(-|&#45;)2/)
  } finally { await ok.close() }
})

test('while the largest allowed picture renders, /healthz answers again and again and a report is ingested (ordering, not time)', async () => {
  const calls = bigMap(260, 40, 3)
  const { app } = await appWith(calls, { maxGraphNodes: 300 })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  try {
    assert.equal((await fetch(`${base}/api/v1/graph?format=png&namespace=ns1`)).status, 200, 'warm: the renderer is loaded before the large picture')
    let rendered = false
    const picture = fetch(`${base}/api/v1/graph?format=png`).then(async (r) => { await r.arrayBuffer(); rendered = true; return r.status })
    // Wait until the picture is in the renderer (the gauge): only answers from then on count. In-process,
    // the event loop would be held from that moment until the picture is done.
    let rendering = false
    while (!rendered && !rendering) rendering = /^podmap_mapper_graph_renders 1$/m.test(await (await fetch(`${base}/metrics`)).text())
    let healthWhileRendering = 0
    let reportWhileRendering = false
    while (!rendered && healthWhileRendering < 200) {
      const h = await fetch(`${base}/healthz`)
      if (h.status === 200 && !rendered) healthWhileRendering++
      if (!reportWhileRendering) {
        const now = Date.now()
        const r = await fetch(`${base}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }) })
        assert.equal(r.status, 200)
        reportWhileRendering = !rendered
      }
    }
    assert.equal(await picture, 200)
    assert.ok(rendering, 'the gauge showed the picture rendering')
    assert.ok(healthWhileRendering >= 5, `health answered ${healthWhileRendering} times while the picture rendered`)
    assert.ok(reportWhileRendering, 'a report was ingested while the picture rendered')
  } finally {
    await app.close()
  }
})

test('pictures are cached by content: same DOT same key, bounded by count and bytes', () => {
  assert.equal(PictureCache.key('svg', 'digraph{a}'), PictureCache.key('svg', 'digraph{a}'))
  assert.notEqual(PictureCache.key('svg', 'digraph{a}'), PictureCache.key('svg', 'digraph{b}'))
  assert.notEqual(PictureCache.key('svg', 'digraph{a}'), PictureCache.key('png', 'digraph{a}'))
  const cache = new PictureCache(2, 1000)
  cache.set('a', 'x'.repeat(100)); cache.set('b', 'y'); cache.get('a'); cache.set('c', 'z')
  assert.equal(cache.get('b'), undefined, 'least recently used out')
  assert.equal(cache.get('a')?.length, 100)
  cache.set('big', Buffer.alloc(400))
  assert.equal(cache.get('big'), undefined, 'a picture over a quarter of the budget is not kept')
})
