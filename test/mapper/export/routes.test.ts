/** The export, graph and shadow routes through inject(), on the fixture cluster and one real report. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseAllDocuments } from 'yaml'
import { shadowResponseSchema } from '../../../src/contract/shadow.js'
import { kubeListSchema } from '../../../src/contract/export.js'
import { IP, T0 } from '../fixtures.js'
import { buildTestApp } from '../test-app.js'

const TOKEN = 'route-test-token'

async function setup () {
  const { app, index } = await buildTestApp({ token: TOKEN, bodyLimit: 256 * 1024 })
  const now = Date.now()
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: {
      version: 1, node: 'node-a', sentAt: now,
      dns: [{ client: IP.checkout, name: 'orders.shop.svc.cluster.local', answers: [IP.ordersSvc], ttl: 30, firstSeen: now, lastSeen: now, count: 1 }],
      sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }]
    }
  })
  assert.equal(res.statusCode, 200, res.body)
  return { app, index }
}

test('export networkpolicy as YAML documents and as a JSON List, selecting by stable labels', async () => {
  const { app } = await setup()
  const yaml = await app.inject({ url: '/api/v1/export?format=networkpolicy' })
  assert.equal(yaml.statusCode, 200, yaml.body)
  assert.match(yaml.headers['content-type'] as string, /^application\/yaml/)
  const docs = parseAllDocuments(yaml.body).map((d) => d.toJS() as { kind: string, metadata: { name: string }, spec: { podSelector: unknown } })
  assert.deepEqual(docs.map((d) => d.metadata.name), ['podmap-checkout-egress', 'podmap-checkout-ingress', 'podmap-orders-egress', 'podmap-orders-ingress'])
  assert.deepEqual(docs[3]?.spec.podSelector, { matchLabels: { app: 'orders' } }, 'pod-template-hash is never used')
  const json = await app.inject({ url: '/api/v1/export?format=networkpolicy&output=json' })
  const list = kubeListSchema.parse(json.json())
  assert.deepEqual(list.items, docs)
})

test('export intents, cilium and json; the namespace filter applies', async () => {
  const { app } = await setup()
  const intents = kubeListSchema.parse((await app.inject({ url: '/api/v1/export?format=intents&output=json' })).json())
  assert.deepEqual(intents.items.map((i) => i.spec), [{ workload: { name: 'checkout', kind: 'Deployment' }, targets: [{ service: { name: 'orders' } }] }])
  const cilium = kubeListSchema.parse((await app.inject({ url: '/api/v1/export?format=cilium&output=json' })).json())
  assert.ok(cilium.items.every((i) => i.kind === 'CiliumNetworkPolicy' && i.apiVersion === 'cilium.io/v2'))
  const map = (await app.inject({ url: '/api/v1/export?format=json&output=json' })).json() as { edges: unknown[] }
  assert.equal(map.edges.length, 1)
  const none = kubeListSchema.parse((await app.inject({ url: '/api/v1/export?format=intents&output=json&namespace=db,batch' })).json())
  assert.deepEqual(none.items, [])
})

test('calls made by nodes (kubelet probes) stay in the map but out of policies unless nodes=include', async () => {
  const { app } = await setup()
  const now = Date.now()
  const probe = await app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client: IP.node, server: IP.orders, port: 8080, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }
  })
  assert.equal(probe.statusCode, 200, probe.body)
  const map = (await app.inject({ url: '/api/v1/export?format=json&output=json' })).json() as { edges: Array<{ client: { kind: string } }> }
  assert.ok(map.edges.some((e) => e.client.kind === 'Node'), 'the node\'s call is in the map')
  const ingressCidrs = async (query: string): Promise<string[]> => {
    const list = kubeListSchema.parse((await app.inject({ url: `/api/v1/export?format=networkpolicy&output=json${query}` })).json())
    const ingress = list.items.find((i) => i.metadata.name === 'podmap-orders-ingress') as unknown as { spec: { ingress: Array<{ from: Array<{ ipBlock?: { cidr: string } }> }> } }
    return ingress.spec.ingress.flatMap((r) => r.from.flatMap((f) => f.ipBlock ? [f.ipBlock.cidr] : []))
  }
  assert.deepEqual(await ingressCidrs(''), [], 'left out by default')
  assert.deepEqual(await ingressCidrs('&nodes=include'), [`${IP.node}/32`])
  assert.equal((await app.inject({ url: '/api/v1/export?format=networkpolicy&nodes=all' })).statusCode, 400)
})

test('bad parameters are a 400 naming the parameter', async () => {
  const { app } = await setup()
  for (const [url, name] of [
    ['/api/v1/export', 'query.format'],
    ['/api/v1/export?format=helm', 'query.format'],
    ['/api/v1/export?format=intents&output=xml', 'query.output'],
    ['/api/v1/export?format=intents&since=yesterday', 'query.since'],
    ['/api/v1/export?format=intents&namespace=Not_A_Name', 'query.namespace'],
    ['/api/v1/graph?format=gif', 'query.format'],
    ['/api/v1/shadow?labelSelector=a%20in%20(', 'query.labelSelector']
  ] as const) {
    const res = await app.inject({ url })
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`)
    assert.equal(res.json().code, 'PODMAP_ERR_BAD_REQUEST')
    assert.ok((res.json().message as string).includes(name), `${url}: ${res.body}`)
  }
  const bad = await app.inject({ method: 'POST', url: '/api/v1/shadow', payload: [{ metadata: { name: 'x', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' }] }] } }] })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().message, /body\[0\]\.spec\.ingress\[0\]\.ports\[0\]\.protocol/)
})

test('graph: dot, mermaid, svg and png with their content types', async () => {
  const { app } = await setup()
  const dot = await app.inject({ url: '/api/v1/graph?format=dot' })
  assert.match(dot.headers['content-type'] as string, /^text\/vnd\.graphviz/)
  assert.match(dot.body, /label="shop"/)
  const mermaid = await app.inject({ url: '/api/v1/graph?format=mermaid' })
  assert.match(mermaid.body, /-->\|"8080\/TCP via orders"\|/)
  const svg = await app.inject({ url: '/api/v1/graph' })
  assert.match(svg.headers['content-type'] as string, /^image\/svg\+xml/)
  assert.match(svg.body, /<svg[\s\S]*checkout[\s\S]*<\/svg>/)
  const png = await app.inject({ url: '/api/v1/graph?format=png' })
  assert.equal(png.headers['content-type'], 'image/png')
  assert.deepEqual([...png.rawPayload.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
})

test('shadow: no cluster policies deny nothing; a cluster deny-all shows up, with the gauge', async () => {
  const { app, index } = await setup()
  const open = shadowResponseSchema.parse((await app.inject({ url: '/api/v1/shadow' })).json())
  assert.deepEqual(open, {
    source: 'cluster',
    policies: [],
    evaluated: 1,
    denied: [],
    allowed: [{
      client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
      port: { port: 8080, protocol: 'TCP' },
      allowedBy: []
    }]
  }, 'no policy selects either side: allowed, and nothing to name')
  index.upsert('NetworkPolicy', { kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } } as never, T0)
  const closed = shadowResponseSchema.parse((await app.inject({ url: '/api/v1/shadow' })).json())
  assert.deepEqual(closed.denied, [{
    client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' },
    port: { port: 8080, protocol: 'TCP' },
    deniedBy: [{ direction: 'ingress', namespace: 'shop', policies: ['shop/deny-all'] }],
    allowedBy: []
  }])
  assert.deepEqual(closed.allowed, [])
  const metrics = (await app.inject({ url: '/metrics' })).body
  assert.match(metrics, /podmap_mapper_shadow_denied_calls\{namespace="shop"\} 1/)
})

test('shadow POST: the proposed set replaces the cluster\'s, or adds to it with mode=add', async () => {
  const { app, index } = await setup()
  index.upsert('NetworkPolicy', { kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } } as never, T0)
  const exported = (await app.inject({ url: '/api/v1/export?format=networkpolicy&output=json' })).json()
  const replaced = shadowResponseSchema.parse((await app.inject({ method: 'POST', url: '/api/v1/shadow', payload: exported })).json())
  assert.equal(replaced.source, 'proposed')
  assert.deepEqual(replaced.denied, [], 'the exported policies allow the observed call')
  const added = shadowResponseSchema.parse((await app.inject({ method: 'POST', url: '/api/v1/shadow?mode=add', payload: exported })).json())
  assert.equal(added.source, 'cluster+proposed')
  assert.deepEqual(added.denied, [], 'policies add up: the exported ingress rule allows despite deny-all')
  assert.deepEqual(added.allowed.map((a) => a.allowedBy), [[
    { direction: 'egress', namespace: 'shop', policy: 'shop/podmap-checkout-egress', rule: 0 },
    { direction: 'ingress', namespace: 'shop', policy: 'shop/podmap-orders-ingress', rule: 0 }
  ]], 'the rule that decided, per side: deny-all selects orders but allows nothing, so the exported rule is named')
  const denyEgress = [{ metadata: { name: 'no-egress', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'] } }]
  const denied = shadowResponseSchema.parse((await app.inject({ method: 'POST', url: '/api/v1/shadow', payload: denyEgress })).json())
  assert.deepEqual(denied.denied.map((d) => d.deniedBy), [[{ direction: 'egress', namespace: 'shop', policies: ['shop/no-egress'] }]])
  assert.deepEqual(denied.denied.map((d) => d.allowedBy), [[]], 'the ingress side is open (no policy selects orders), so no rule is named')
})
