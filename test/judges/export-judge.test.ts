/**
 * `podmap export --format networkpolicy` judged by network-config-analyzer on the e2e shop and
 * protocols maps and on a 40-workload cluster (judged-clusters.ts): nca's connectivity must contain
 * every observed call on its port and allow nothing else between the exported workloads and the
 * addresses around them but DNS (export-judge.ts). Below, one regression case per difference the
 * judge found, each podmap's fault and fixed in mapper/export/.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { NetworkPolicy } from '../../src/contract/shadow.js'
import { recordFigure, fmt } from '../reliability/figures.js'
import { exportsOf, judgeExport, summarize } from './export-judge.js'
import { judgedClusters, largeCluster, protocolsCluster } from './judged-clusters.js'
import { ncaConnectivity, requireNca } from './nca.js'

const FILE = 'test/judges/export-judge.test.ts'

for (const cluster of judgedClusters()) {
  test(`${cluster.name}: nca's connectivity of the exported NetworkPolicies is exactly the observed calls plus DNS`, async () => {
    requireNca()
    const judged = judgeExport(cluster)
    // One nca run per cluster: nca keeps one set of pods per run, by name, and the e2e clusters share pod names.
    const answers = await ncaConnectivity([judged.config])
    const findings = judged.compare(answers)
    recordFigure({
      area: 'judges',
      test: `export judged by network-config-analyzer: the ${cluster.name} map (${cluster.edges.length} edges, ${judged.policies.length} NetworkPolicies)`,
      figure: findings.length === 0
        ? `${fmt(judged.calls)} observed calls all allowed; ${fmt(judged.probes())} other pairs x ports probed, none allowed but DNS`
        : `FAILED: ${findings.length} differences`,
      inputs: judged.calls + judged.probes(),
      file: FILE
    })
    assert.deepEqual(summarize(findings), [])
  })
}

function finding (figure: string): void {
  recordFigure({ area: 'judges', test: 'difference found by the export judge (regression case)', figure, file: FILE })
}

const spec = (policies: NetworkPolicy[], name: string): NetworkPolicy['spec'] | undefined => policies.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === name)?.spec

test('podmap\'s fault (fixed): a hostNetwork client was exported as a podSelector, which never matches its traffic (the node\'s address); it is an ipBlock of its addresses now and gets no policy of its own', () => {
  const c = protocolsCluster()
  const policies = exportsOf(c, 'networkpolicy') as NetworkPolicy[]
  const node = [`${c.m.node.ipv4}/32`, `${c.m.node.ipv6}/128`].sort()
  assert.deepEqual(spec(policies, 'shop/podmap-orders-ingress')?.ingress, [
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: { matchLabels: { app: 'nightly' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    { from: [{ podSelector: { matchLabels: { app: 'checkout' } } }], ports: [{ protocol: 'UDP', port: 9000 }] },
    { from: node.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 8080 }] }
  ])
  assert.equal(policies.filter((p) => p.metadata.namespace === 'kube-system').length, 0, 'no policy for the agent: NetworkPolicies do not apply to host-network pods')
  const cilium = exportsOf(c, 'cilium')
  const ingress = (cilium.find((p) => p.metadata.name === 'podmap-orders-ingress')?.spec as { ingress: unknown[] }).ingress
  assert.deepEqual(ingress[2], { fromEntities: ['host', 'remote-node'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] })
  finding('export: a hostNetwork client was a podSelector peer, which never matches its traffic (it carries the node\'s address); nca\'s connectivity missed the observed call: podmap was wrong, fixed (an ipBlock of its addresses; Cilium host entities; no policy of its own).')
})

test('podmap\'s fault (fixed): a call to a hostNetwork server (a node exporter) was allowed to its pods by podSelector; it goes to the node\'s address', () => {
  const c = largeCluster()
  const egress = spec(exportsOf(c, 'networkpolicy') as NetworkPolicy[], 'ops/podmap-prometheus-egress')?.egress ?? []
  assert.ok(egress.some((r) => JSON.stringify(r) === JSON.stringify({ to: [`${c.m.node.ipv4}/32`, `${c.m.node.ipv6}/128`].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 9100 }] })), JSON.stringify(egress))
  finding('export: a call to a hostNetwork server (node exporter) was allowed to its pods by podSelector, not to the node\'s address it answers on; nca missed the observed call: podmap was wrong, fixed.')
})

test('podmap\'s fault (fixed): a call seen without a port (a name resolved, no connection) became a rule without ports, i.e. every port and protocol; it allows nothing now and is named in podmap.io/calls-without-ports', () => {
  const c = largeCluster()
  const policies = exportsOf(c, 'networkpolicy') as NetworkPolicy[]
  const notifier = policies.find((p) => p.metadata.name === 'podmap-notifier-egress')
  assert.equal(notifier?.spec.egress?.length, 1, 'DNS only')
  assert.equal(notifier?.metadata.annotations?.['podmap.io/calls-without-ports'], 'External//mail.example')
  const users = policies.find((p) => p.metadata.name === 'podmap-users-ingress')
  assert.ok(!JSON.stringify(users?.spec.ingress).includes('"frontend"'), 'frontend only resolved users: no rule from frontend')
  assert.equal(users?.metadata.annotations?.['podmap.io/calls-without-ports'], 'Deployment/web/frontend')
  finding('export: a call seen without a port (DNS only) became a rule without ports, so nca allowed every port and protocol to that peer: podmap was wrong, fixed (no rule; podmap.io/calls-without-ports names it).')
})

test('podmap\'s fault (fixed): a selector made of a workload\'s labels also selected a canary carrying them plus its own; the selector leaves it out now (NotIn), and the canary keeps its own policies', () => {
  const c = largeCluster()
  const policies = exportsOf(c, 'networkpolicy') as NetworkPolicy[]
  assert.deepEqual(spec(policies, 'web/podmap-frontend-ingress')?.podSelector, { matchLabels: { app: 'frontend' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] })
  assert.deepEqual(spec(policies, 'web/podmap-frontend-canary-egress')?.podSelector, { matchLabels: { app: 'frontend', track: 'canary' } })
  const gateway = spec(policies, 'api/podmap-gateway-ingress')?.ingress ?? []
  assert.ok(gateway.some((r) => JSON.stringify(r.from?.[0]?.podSelector) === JSON.stringify({ matchLabels: { app: 'frontend' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] })), 'peers naming frontend leave the canary out too')
  finding('export: a workload\'s selector also selected a canary carrying its labels plus its own, so nca allowed the canary the stable workload\'s calls: podmap was wrong, fixed (NotIn on the telling label; podmap.io/shared-selector when none tells them apart).')
})
