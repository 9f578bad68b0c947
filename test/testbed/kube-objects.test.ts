import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { addressPlan } from './address-plan.js'
import { materialize } from './materialize.js'
import { toKubeObjects, type KubeObject } from './kube-objects.js'
import { dnsmasqConfig } from './dnsmasq-config.js'
import { nftRuleset } from './nft-rules.js'
import { shopScenario } from './scenarios.js'

const m = materialize(shopScenario, { prefix: 'pmtest', plan: addressPlan(3), createdAt: '2026-01-01T00:00:00Z' })
const objects = toKubeObjects(m)
const find = (kind: string, ns: string | undefined, name: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === ns)
  assert.ok(o, `${kind} ${ns}/${name} missing`)
  return o
}
type Ref = { kind: string, name: string, uid: string }
const ownerOf = (o: KubeObject): Ref | undefined => (o.metadata.ownerReferences as Ref[] | undefined)?.[0]

describe('toKubeObjects(shopScenario)', () => {
  it('chains Pod -> ReplicaSet -> Deployment with matching UIDs and a pod-template-hash label', () => {
    const pod = find('Pod', 'shop', 'checkout-7d9f8c6b5d-x2x7k')
    const rs = find('ReplicaSet', 'shop', 'checkout-7d9f8c6b5d')
    const dep = find('Deployment', 'shop', 'checkout')
    assert.deepEqual(ownerOf(pod), { ...ownerOf(pod), kind: 'ReplicaSet', name: 'checkout-7d9f8c6b5d', uid: rs.metadata.uid })
    assert.equal(ownerOf(rs)?.uid, dep.metadata.uid)
    assert.equal(ownerOf(dep), undefined)
    assert.equal((pod.metadata.labels as Record<string, string>)['pod-template-hash'], '7d9f8c6b5d')
  })

  it('chains the nightly pod -> Job -> CronJob and labels it with the job name', () => {
    const pod = find('Pod', 'batch', 'nightly-28000000-7qv4n')
    const job = find('Job', 'batch', 'nightly-28000000')
    assert.equal(ownerOf(pod)?.uid, job.metadata.uid)
    assert.equal(ownerOf(job)?.uid, find('CronJob', 'batch', 'nightly').metadata.uid)
    assert.equal((pod.metadata.labels as Record<string, string>)['job-name'], 'nightly-28000000')
  })

  it('gives ledger-0 its StatefulSet owner, hostname/subdomain and a controller-revision-hash', () => {
    const pod = find('Pod', 'db', 'ledger-0')
    assert.equal(ownerOf(pod)?.uid, find('StatefulSet', 'db', 'ledger').metadata.uid)
    const spec = pod.spec as { hostname: string, subdomain: string }
    assert.equal(spec.hostname, 'ledger-0')
    assert.equal(spec.subdomain, 'ledger')
    assert.match((pod.metadata.labels as Record<string, string>)['controller-revision-hash'] ?? '', /^ledger-[a-z0-9]{10}$/)
  })

  it('puts the materialized pod IPs (v4 then v6) in Pod status and the node IP in Node status', () => {
    for (const p of m.pods) {
      const status = find('Pod', p.namespace, p.name).status as { podIP: string, podIPs: Array<{ ip: string }>, phase: string }
      assert.equal(status.podIP, p.ipv4)
      assert.deepEqual(status.podIPs, [{ ip: p.ipv4 }, { ip: p.ipv6 }])
      assert.equal(status.phase, 'Running')
    }
    const node = find('Node', undefined, m.node.name).status as { addresses: Array<{ type: string, address: string }> }
    assert.ok(node.addresses.some((a) => a.type === 'InternalIP' && a.address === m.node.ipv4))
    assert.equal(new Set(m.pods.map((p) => p.ipv4)).size, m.pods.length, 'pod IPv4 addresses are unique')
  })

  it('serves Service orders on its ClusterIP with an EndpointSlice that targets the orders pod on 8080', () => {
    const svc = find('Service', 'shop', 'orders')
    const orders = m.services.find((s) => s.key === 'shop/orders')
    const spec = svc.spec as { clusterIP: string, clusterIPs: string[], ports: Array<{ port: number, targetPort: number }> }
    assert.equal(spec.clusterIP, orders?.clusterIPv4)
    assert.deepEqual(spec.ports.map((p) => [p.port, p.targetPort]), [[80, 8080]])
    const slices = objects.filter((o) => o.kind === 'EndpointSlice' && (o.metadata.labels as Record<string, string>)['kubernetes.io/service-name'] === 'orders')
    assert.deepEqual(slices.map((s) => s.addressType).sort(), ['IPv4', 'IPv6'])
    const pod = m.pods.find((p) => p.key === 'shop/orders-5c4f7b9d8e-k8w2p')
    const v4 = slices.find((s) => s.addressType === 'IPv4') as unknown as { endpoints: Array<{ addresses: string[], targetRef: { uid: string } }>, ports: Array<{ port: number }> }
    assert.deepEqual(v4.endpoints.map((e) => [e.addresses[0], e.targetRef.uid]), [[pod?.ipv4, pod?.uid]])
    assert.deepEqual(v4.ports.map((p) => p.port), [8080])
  })

  it('marks the headless ledger Service clusterIP None and lists ledger-0 with its hostname', () => {
    const spec = find('Service', 'db', 'ledger').spec as { clusterIP: string }
    assert.equal(spec.clusterIP, 'None')
    const slice = objects.find((o) => o.kind === 'EndpointSlice' && o.metadata.namespace === 'db' && o.addressType === 'IPv4') as unknown as { endpoints: Array<{ hostname?: string }> }
    assert.equal(slice.endpoints[0]?.hostname, 'ledger-0')
  })

  it('includes kube-dns on the plan\'s DNS ClusterIP, backed by the DNS pod', () => {
    const spec = find('Service', 'kube-system', 'kube-dns').spec as { clusterIP: string }
    assert.equal(spec.clusterIP, m.plan.kubeDnsIPv4)
    assert.ok(m.pods.some((p) => p.isDns && p.namespace === 'kube-system'))
  })
})

describe('dnsmasqConfig and nftRuleset', () => {
  it('renders service, headless, StatefulSet pod, external and CNAME records and never forwards', () => {
    const conf = dnsmasqConfig(m, { listenIPv4: '10.0.0.1', logQueries: false })
    const orders = m.services.find((s) => s.key === 'shop/orders')
    const ledger = m.pods.find((p) => p.name === 'ledger-0')
    assert.match(conf, new RegExp(`^host-record=orders\\.shop\\.svc\\.cluster\\.local,${orders?.clusterIPv4},${orders?.clusterIPv6}$`, 'm'))
    assert.ok(conf.includes(`host-record=ledger.db.svc.cluster.local,${ledger?.ipv4},${ledger?.ipv6}`))
    assert.ok(conf.includes(`host-record=ledger-0.ledger.db.svc.cluster.local,${ledger?.ipv4},${ledger?.ipv6}`))
    assert.ok(conf.includes('cname=payments.partner.example,api.partner.example'))
    assert.match(conf, /^no-resolv$/m)
    assert.match(conf, /^local=\/#\/$/m)
    assert.doesNotMatch(conf, /^server=/m)
  })

  it('DNATs orders ClusterIP:80 to the pod on 8080 for both families and skips headless services', () => {
    const rules = nftRuleset(m)
    const orders = m.services.find((s) => s.key === 'shop/orders')
    const pod = m.pods.find((p) => p.key === 'shop/orders-5c4f7b9d8e-k8w2p')
    assert.ok(rules.includes(`ip daddr ${orders?.clusterIPv4} tcp dport 80 dnat ip to ${pod?.ipv4}:8080`))
    assert.ok(rules.includes(`ip6 daddr ${orders?.clusterIPv6} tcp dport 80 dnat ip6 to [${pod?.ipv6}]:8080`))
    assert.ok(rules.includes(`ip daddr ${m.plan.kubeDnsIPv4} udp dport 53 dnat`))
    assert.doesNotMatch(rules, /dport 5432/)
  })
})

describe('address plan', () => {
  it('gives different slots disjoint addresses', () => {
    const a = addressPlan(0)
    const b = addressPlan(1)
    assert.notEqual(a.podIPv4(0), b.podIPv4(0))
    assert.notEqual(a.externalIPv4(0), b.externalIPv4(0))
    assert.notEqual(a.serviceIPv6(0), b.serviceIPv6(0))
    assert.throws(() => addressPlan(16), RangeError)
  })
})
