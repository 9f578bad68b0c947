/** The renderers on the shop map, with a lookup standing in for the cluster. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseAllDocuments } from 'yaml'
import type { Edge } from '../../../src/contract/map.js'
import { toClientIntents } from '../../../mapper/export/intents.js'
import { toNetworkPolicies } from '../../../mapper/export/network-policy.js'
import { toCiliumPolicies } from '../../../mapper/export/cilium.js'
import { toDot } from '../../../mapper/export/dot.js'
import { toMermaid } from '../../../mapper/export/mermaid.js'
import { toYamlDocuments } from '../../../mapper/export/documents.js'
import { createImageRenderer } from '../../../mapper/export/render-image.js'
import { stableLabels } from '../../../mapper/export/stable-labels.js'
import { DEFAULT_CLUSTER_DNS, type ExportLookup } from '../../../mapper/export/lookup.js'
import { evaluateCall } from '../../../mapper/policy/evaluate.js'
import type { PodEndpoint } from '../../../mapper/policy/endpoint.js'

const seen = { firstSeen: '2026-11-26T12:00:00.000Z', lastSeen: '2026-11-26T12:00:05.000Z' }
const edges: Edge[] = [
  { client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' }, server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger', service: 'ledger' }, ports: [{ port: 5432, protocol: 'TCP' }], evidence: ['dns', 'tcp'], ...seen },
  { client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' }, server: { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }, ports: [{ port: 8080, protocol: 'TCP' }], evidence: ['dns', 'tcp'], ...seen },
  { client: { kind: 'Deployment', namespace: 'shop', name: 'checkout' }, server: { kind: 'External', name: 'api.partner.example' }, ports: [{ port: 443, protocol: 'TCP' }], evidence: ['dns', 'tcp'], addresses: ['2001:db8:100::7', '203.0.113.7'], ...seen }
]
const LABELS: Record<string, Record<string, string>> = { nightly: { app: 'nightly' }, ledger: { app: 'ledger' }, checkout: { app: 'checkout' }, orders: { app: 'orders' } }
const lookup: ExportLookup = { podLabels: (id) => LABELS[id.name], clusterDns: () => DEFAULT_CLUSTER_DNS, nodeAddresses: () => [], hostNetworkAddresses: () => undefined, neighbours: () => ({ own: [], others: [] }) }

test('stable labels: shared labels minus per-revision, per-pod and per-run ones', () => {
  assert.deepEqual(stableLabels([
    { labels: { app: 'nightly', 'job-name': 'nightly-1', 'controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'nightly-1', 'batch.kubernetes.io/controller-uid': 'u1', tier: 'batch' } },
    { labels: { app: 'nightly', 'job-name': 'nightly-2', 'controller-uid': 'u2', tier: 'batch' } }
  ]), { app: 'nightly', tier: 'batch' })
  assert.deepEqual(stableLabels([{ labels: { app: 'ledger', 'controller-revision-hash': 'ledger-x', 'statefulset.kubernetes.io/pod-name': 'ledger-0', 'apps.kubernetes.io/pod-index': '0' } }]), { app: 'ledger' })
  assert.deepEqual(stableLabels([{ labels: { app: 'a', 'pod-template-hash': 'h1', v: '1' } }, { labels: { app: 'a', 'pod-template-hash': 'h2', v: '2' } }]), { app: 'a' })
  assert.equal(stableLabels([]), undefined)
})

test('ClientIntents: service targets across namespaces, internet with domains and ports', () => {
  const intents = toClientIntents(edges, lookup)
  assert.deepEqual(intents.map((i) => [i.metadata.namespace, i.metadata.name]), [['batch', 'nightly'], ['shop', 'checkout']])
  assert.deepEqual(intents[0]?.spec, { workload: { name: 'nightly', kind: 'CronJob' }, targets: [{ service: { name: 'ledger.db' } }] })
  assert.deepEqual(intents[1]?.spec, {
    workload: { name: 'checkout', kind: 'Deployment' },
    targets: [{ service: { name: 'orders' } }, { internet: { domains: ['api.partner.example'], ports: [443] } }]
  })
  assert.equal(intents[1]?.apiVersion, 'k8s.otterize.com/v2beta1')
  const direct = toClientIntents([{ ...edges[0] as Edge, server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger' } }], lookup)
  assert.deepEqual((direct[0]?.spec as { targets: unknown[] }).targets, [{ kubernetes: { name: 'ledger.db', kind: 'StatefulSet' } }])
})

test('NetworkPolicies: exact selectors, ports, DNS and ipBlocks annotated with the FQDN', () => {
  const nps = toNetworkPolicies(edges, lookup)
  assert.deepEqual(nps.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['batch/podmap-nightly-egress', 'batch/podmap-nightly-ingress', 'db/podmap-ledger-egress', 'db/podmap-ledger-ingress',
    'shop/podmap-checkout-egress', 'shop/podmap-checkout-ingress', 'shop/podmap-orders-egress', 'shop/podmap-orders-ingress'])
  const byName = new Map(nps.map((p) => [p.metadata.name, p]))
  assert.deepEqual(byName.get('podmap-ledger-ingress')?.spec, {
    podSelector: { matchLabels: { app: 'ledger' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: { matchLabels: { app: 'nightly' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]
  })
  assert.deepEqual(byName.get('podmap-orders-ingress')?.spec.ingress, [{ from: [{ podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }])
  const dnsRule = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }
  const checkout = byName.get('podmap-checkout-egress')
  assert.deepEqual(checkout?.spec.egress, [
    { to: [{ podSelector: { matchLabels: { app: 'orders' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    { to: [{ ipBlock: { cidr: '2001:db8:100::7/128' } }, { ipBlock: { cidr: '203.0.113.7/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    dnsRule
  ])
  assert.deepEqual(byName.get('podmap-checkout-ingress')?.spec, { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Ingress'], ingress: [] }, 'never called: deny all ingress')
  assert.deepEqual(byName.get('podmap-orders-egress')?.spec.egress, [dnsRule], 'calls nothing: DNS only')
  assert.deepEqual(JSON.parse(checkout?.metadata.annotations?.['podmap.io/ipblock-fqdns'] ?? '{}'), { '2001:db8:100::7/128': 'api.partner.example', '203.0.113.7/32': 'api.partner.example' })
  const yaml = parseAllDocuments(toYamlDocuments(nps)).map((d) => d.toJS() as unknown)
  assert.deepEqual(yaml, JSON.parse(JSON.stringify(nps)))
})

test('generated NetworkPolicies allow every observed call and deny an unobserved one', () => {
  const nps = toNetworkPolicies(edges, lookup)
  const pod = (namespace: string, name: string, ips: string[]): PodEndpoint => ({ kind: 'pod', namespace, labels: { ...LABELS[name], 'pod-template-hash': 'x' }, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, ips, namedPorts: new Map() })
  const checkout = pod('shop', 'checkout', ['10.1.0.1'])
  const orders = pod('shop', 'orders', ['10.1.0.2'])
  const nightly = pod('batch', 'nightly', ['10.1.0.3'])
  const ledger = pod('db', 'ledger', ['10.1.0.4'])
  const dns: PodEndpoint = { ...pod('kube-system', 'x', ['10.1.0.53']), labels: { 'k8s-app': 'kube-dns' } }
  const tcp = (port: number) => ({ port, protocol: 'TCP' as const })
  assert.equal(evaluateCall(nps, checkout, orders, tcp(8080)).allowed, true)
  assert.equal(evaluateCall(nps, nightly, ledger, tcp(5432)).allowed, true)
  assert.equal(evaluateCall(nps, checkout, { kind: 'address', ips: ['203.0.113.7'] }, tcp(443)).allowed, true)
  assert.equal(evaluateCall(nps, checkout, dns, { port: 53, protocol: 'UDP' }).allowed, true)
  assert.equal(evaluateCall(nps, orders, checkout, tcp(8080)).allowed, false, 'orders -> checkout was never seen')
  assert.equal(evaluateCall(nps, checkout, orders, tcp(9090)).allowed, false, 'another port was never seen')
  assert.equal(evaluateCall(nps, checkout, { kind: 'address', ips: ['203.0.113.8'] }, tcp(443)).allowed, false)
})

test('CiliumNetworkPolicies: toFQDNs for external names, namespaced endpoints, DNS visibility rule', () => {
  const cnps = toCiliumPolicies(edges, lookup)
  const checkout = cnps.find((p) => p.metadata.name === 'podmap-checkout-egress')
  assert.deepEqual(checkout?.spec, {
    endpointSelector: { matchLabels: { app: 'checkout' } },
    egress: [
      { toEndpoints: [{ matchLabels: { app: 'orders', 'k8s:io.kubernetes.pod.namespace': 'shop' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
      { toFQDNs: [{ matchName: 'api.partner.example' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      { toEndpoints: [{ matchLabels: { 'k8s-app': 'kube-dns', 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }], rules: { dns: [{ matchPattern: '*' }] } }] }
    ]
  })
  const ledger = cnps.find((p) => p.metadata.name === 'podmap-ledger-ingress')
  assert.deepEqual(ledger?.spec, {
    endpointSelector: { matchLabels: { app: 'ledger' } },
    ingress: [{ fromEndpoints: [{ matchLabels: { app: 'nightly', 'k8s:io.kubernetes.pod.namespace': 'batch' } }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }]
  })
})

test('DOT and Mermaid: grouped by namespace, edges labelled with ports', () => {
  const dot = toDot(edges)
  assert.match(dot, /^digraph podmap \{/)
  for (const ns of ['batch', 'db', 'shop', '(external)']) assert.match(dot, new RegExp(`label="${ns.replace(/[()]/g, '\\$&')}";`))
  assert.match(dot, /n\d+ -> n\d+ \[label="8080\/TCP via orders"\];/)
  assert.match(dot, /\[label="External\\napi\.partner\.example", shape=ellipse\]/)
  const mermaid = toMermaid(edges)
  assert.match(mermaid, /^flowchart LR\n/)
  assert.match(mermaid, /subgraph g\d+\["shop"\]/)
  assert.match(mermaid, /n\d+ -->\|"443\/TCP"\| n\d+/)
  assert.equal((mermaid.match(/-->/g) ?? []).length, 3)
})

test('SVG and PNG are rendered in-process', async () => {
  const r = createImageRenderer()
  const svg = await r.svg(toDot(edges))
  assert.match(svg, /<svg[\s\S]*api\.partner\.example[\s\S]*<\/svg>/)
  assert.match(svg, /8080\/TCP via orders/)
  const png = await r.png(toDot(edges))
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  assert.ok(png.length > 2000)
})
