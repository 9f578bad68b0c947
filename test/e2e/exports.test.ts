/**
 * Exports on the real e2e map: the shop on the real control plane, the real sniffers and mapper,
 * the same traffic as shop.test.ts; every query is narrowed to the shop's namespaces (the cluster's
 * own calls are in the map too). Every export is checked for structure and exact selectors/ports; the exported
 * NetworkPolicies, posted to shadow mode, allow every observed call and deny an unobserved one.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'
import { startStack, waitFor, BIN, type Stack } from './stack.js'
import { makeShopCalls } from './traffic.js'
import { mapResponseSchema } from '../../src/contract/map.js'
import { kubeListSchema, type KubeObjectOut } from '../../src/contract/export.js'
import { shadowResponseSchema, type NetworkPolicy } from '../../src/contract/shadow.js'


let stack: Stack
const NS = 'namespace=shop,batch,db'

before(async () => {
  stack = await startStack()
  await makeShopCalls(stack.cluster, stack.shop)
  await waitFor('the three edges with ports and addresses', async () => {
    const edges = mapResponseSchema.parse(await (await fetch(`${stack.mapperUrl}/api/v1/map?${NS}`)).json()).edges
    const ready = edges.length === 3 && edges.every((e) => e.ports.length > 0 && e.evidence.includes('tcp')) &&
      edges.some((e) => e.server.kind === 'External' && (e.addresses ?? []).length > 0)
    return ready ? edges : undefined
  }, 20_000, 500)
})

after(async () => { await stack?.stop() })

async function list (format: string, query = ''): Promise<KubeObjectOut[]> {
  const res = await fetch(`${stack.mapperUrl}/api/v1/export?format=${format}&output=json&${NS}${query}`)
  assert.equal(res.status, 200, await res.clone().text())
  return kubeListSchema.parse(await res.json()).items
}

const byName = (objects: KubeObjectOut[]) => new Map(objects.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]))

const DNS_RULE = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]
}

test('ClientIntents: one per client, Service targets (qualified across namespaces) and the internet target', async () => {
  const intents = await list('intents')
  assert.deepEqual(intents.map((i) => [i.apiVersion, i.kind, i.metadata.namespace, i.metadata.name]), [
    ['k8s.otterize.com/v2beta1', 'ClientIntents', 'batch', 'nightly'],
    ['k8s.otterize.com/v2beta1', 'ClientIntents', 'shop', 'checkout']
  ])
  assert.deepEqual(intents[0]?.spec, { workload: { name: 'nightly', kind: 'CronJob' }, targets: [{ service: { name: 'ledger.db' } }] })
  assert.deepEqual(intents[1]?.spec, { workload: { name: 'checkout', kind: 'Deployment' }, targets: [{ service: { name: 'orders' } }, { internet: { domains: ['api.partner.example'], ports: [443] } }] })
})

test('NetworkPolicies: stable labels (no hashes, no job name), exact ports, DNS, FQDN-annotated ipBlocks', async () => {
  const edges = mapResponseSchema.parse(await (await fetch(`${stack.mapperUrl}/api/v1/map?${NS}`)).json()).edges
  const partner = edges.find((e) => e.server.kind === 'External')?.addresses ?? []
  const nps = byName(await list('networkpolicy'))
  assert.deepEqual([...nps.keys()], [
    'batch/podmap-nightly-egress', 'batch/podmap-nightly-ingress', 'db/podmap-ledger-egress', 'db/podmap-ledger-ingress',
    'shop/podmap-checkout-egress', 'shop/podmap-checkout-ingress', 'shop/podmap-orders-egress', 'shop/podmap-orders-ingress'
  ])
  assert.deepEqual(nps.get('db/podmap-ledger-ingress')?.spec, {
    podSelector: { matchLabels: { app: 'ledger' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: { matchLabels: { app: 'nightly' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]
  })
  assert.deepEqual(nps.get('shop/podmap-orders-ingress')?.spec, {
    podSelector: { matchLabels: { app: 'orders' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]
  })
  assert.deepEqual(nps.get('batch/podmap-nightly-egress')?.spec, {
    podSelector: { matchLabels: { app: 'nightly' } },
    policyTypes: ['Egress'],
    egress: [
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } }, podSelector: { matchLabels: { app: 'ledger' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      DNS_RULE
    ]
  })
  const checkout = nps.get('shop/podmap-checkout-egress')
  const cidrs = partner.map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)).sort()
  assert.ok(cidrs.length > 0)
  assert.deepEqual(checkout?.spec, {
    podSelector: { matchLabels: { app: 'checkout' } },
    policyTypes: ['Egress'],
    egress: [
      { to: [{ podSelector: { matchLabels: { app: 'orders' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 443 }] },
      DNS_RULE
    ]
  })
  const annotations = (checkout?.metadata as { annotations?: Record<string, string> }).annotations ?? {}
  assert.deepEqual(JSON.parse(annotations['podmap.io/ipblock-fqdns'] ?? '{}'), Object.fromEntries(cidrs.map((c) => [c, 'api.partner.example'])))
  assert.deepEqual((nps.get('shop/podmap-checkout-ingress')?.spec as { ingress?: unknown } | undefined)?.ingress, [], 'nobody called checkout')
  const yaml = await (await fetch(`${stack.mapperUrl}/api/v1/export?format=networkpolicy&${NS}`)).text()
  assert.deepEqual(parseAllDocuments(yaml).map((d) => d.toJS() as unknown), JSON.parse(JSON.stringify([...nps.values()])))
  assert.doesNotMatch(yaml, /pod-template-hash|controller-revision-hash|job-name|controller-uid|pod-name/)
})

test('the exported NetworkPolicies allow every observed call and deny an unobserved one (orders -> checkout)', async () => {
  const nps = await list('networkpolicy')
  const shadow = async (policies: unknown): Promise<ReturnType<typeof shadowResponseSchema.parse>> => {
    const res = await fetch(`${stack.mapperUrl}/api/v1/shadow?${NS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(policies) })
    assert.equal(res.status, 200, await res.clone().text())
    return shadowResponseSchema.parse(await res.json())
  }
  const observed = await shadow({ apiVersion: 'v1', kind: 'List', items: nps })
  assert.equal(observed.source, 'proposed')
  assert.equal(observed.evaluated, 3)
  assert.deepEqual(observed.denied, [])
  // An unobserved call, orders -> checkout on 8080, is not in the map, so it is evaluated directly
  // with the pods' full labels: the exported set denies it on both sides.
  const { evaluateCall } = await import('../../mapper/policy/evaluate.js')
  const pod = (ns: string, app: string, extra: Record<string, string>) => ({ kind: 'pod' as const, namespace: ns, labels: { app, ...extra }, namespaceLabels: { 'kubernetes.io/metadata.name': ns }, ips: [], namedPorts: new Map<string, number>() })
  const v = evaluateCall(nps as NetworkPolicy[], pod('shop', 'orders', { 'pod-template-hash': '5c4f7b9d8e' }), pod('shop', 'checkout', { 'pod-template-hash': '7d9f8c6b5d' }), { port: 8080, protocol: 'TCP' })
  assert.equal(v.allowed, false)
  assert.deepEqual([v.egress.allowed, v.ingress.allowed], [false, false])
  // And through the mapper: closing orders' ingress (dropping the exported rule) denies the observed call.
  const denyOrders = [...nps.filter((p) => p.metadata.name !== 'podmap-orders-ingress'), { metadata: { name: 'orders-closed', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Ingress'] } }]
  const closed = await shadow(denyOrders)
  assert.deepEqual(closed.denied.map((d) => [d.client.name, d.server.name, d.port?.port, d.deniedBy.map((x) => x.direction)]), [['checkout', 'orders', 8080, ['ingress']]])
})

test('the cluster\'s policies: none yet, then a deny-all applied with kubectl shows up in GET /api/v1/shadow and the gauge', async () => {
  const before = shadowResponseSchema.parse(await (await fetch(`${stack.mapperUrl}/api/v1/shadow?${NS}`)).json())
  assert.deepEqual(before.denied, [])
  await stack.cluster.apply('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: db}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n')
  const after = await waitFor('the informer to deliver the policy', async () => {
    const r = shadowResponseSchema.parse(await (await fetch(`${stack.mapperUrl}/api/v1/shadow?${NS}`)).json())
    return r.denied.length > 0 ? r : undefined
  }, 15_000, 300)
  assert.deepEqual(after.policies, ['db/deny-all'])
  assert.deepEqual(after.denied.map((d) => [d.client.name, d.server.name, d.port?.port]), [['nightly', 'ledger', 5432]])
  const metrics = await (await fetch(`${stack.mapperUrl}/metrics`)).text()
  assert.match(metrics, /podmap_mapper_shadow_denied_calls\{namespace="db"\} 1/)
})

test('Cilium: toFQDNs for the external name, namespaced endpoints, DNS visibility', async () => {
  const cnps = byName(await list('cilium'))
  const egress = (cnps.get('shop/podmap-checkout-egress')?.spec as { egress: unknown[] }).egress
  assert.deepEqual(egress[1], { toFQDNs: [{ matchName: 'api.partner.example' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] })
  assert.deepEqual(egress[0], { toEndpoints: [{ matchLabels: { app: 'orders', 'k8s:io.kubernetes.pod.namespace': 'shop' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] })
  assert.deepEqual((cnps.get('db/podmap-ledger-ingress')?.spec as { endpointSelector: unknown }).endpointSelector, { matchLabels: { app: 'ledger' } })
})

test('graphs: DOT and Mermaid grouped by namespace with port labels; SVG and PNG; the namespace filter', async () => {
  const dot = await (await fetch(`${stack.mapperUrl}/api/v1/graph?format=dot&${NS}`)).text()
  for (const label of ['batch', 'db', 'shop', '(external)']) assert.ok(dot.includes(`label="${label}";`), dot)
  assert.match(dot, /\[label="5432\/TCP via ledger"\]/)
  assert.match(dot, /\[label="443\/TCP"\]/)
  const mermaid = await (await fetch(`${stack.mapperUrl}/api/v1/graph?format=mermaid&namespace=batch`)).text()
  assert.equal((mermaid.match(/-->/g) ?? []).length, 1, mermaid)
  const svg = await (await fetch(`${stack.mapperUrl}/api/v1/graph?format=svg&${NS}`)).text()
  assert.match(svg, /<svg[\s\S]*api\.partner\.example[\s\S]*<\/svg>/)
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'visualize', '--format', 'dot', '-n', 'shop,batch,db', '--mapper-url', stack.mapperUrl])
  assert.equal(stdout, dot)
  const png = Buffer.from(await (await fetch(`${stack.mapperUrl}/api/v1/graph?format=png`)).arrayBuffer())
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
})
