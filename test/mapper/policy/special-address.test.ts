/** Addresses that never become policy: fixed special ranges and the cluster's own (policy/special-address.ts, resolve/cluster-addresses.ts). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixedAddressReason } from '../../../mapper/policy/special-address.js'
import { clusterAddressCheck } from '../../../mapper/resolve/cluster-addresses.js'
import { IP, T0, shopIndex } from '../fixtures.js'

test('fixed special addresses, IPv4, IPv6 and IPv4-mapped, each with its reason; public addresses pass', () => {
  const cases: Array<[string, string | undefined]> = [
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'], ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['100.100.100.200', 'metadata'], ['fd00:ec2::254', 'metadata'],
    ['224.0.0.251', 'multicast'], ['ff02::fb', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:169.254.169.254', 'link-local'], ['not-an-ip', 'reserved'],
    ['198.51.100.7', undefined], ['8.8.8.8', undefined], ['2001:db8::1', undefined], ['::ffff:198.51.100.7', undefined]
  ]
  for (const [ip, reason] of cases) assert.equal(fixedAddressReason(ip), reason, ip)
})

test('the cluster\'s own addresses: pod IPs, ClusterIPs, node addresses, nodes\' podCIDRs and the configured ranges', () => {
  const index = shopIndex()
  index.upsert('Node', { kind: 'Node', metadata: { name: 'node-b', uid: 'node-b' }, spec: { podCIDRs: ['10.244.7.0/24', 'fd00:7::/64'] }, status: { addresses: [{ type: 'InternalIP', address: '192.168.50.3' }] } } as never, T0)
  const check = clusterAddressCheck(index, { podCidrs: ['10.250.0.0/16'], serviceCidrs: ['10.97.0.0/16'] })
  const cases: Array<[string, string | undefined]> = [
    [IP.orders, 'pod-network'], [IP.ordersSvc, 'service-network'], [`::ffff:${IP.ordersSvc}`, 'service-network'], ['192.168.50.3', 'node-address'],
    ['10.244.7.9', 'pod-network'], ['fd00:7::9', 'pod-network'], ['10.250.3.3', 'pod-network'], ['10.97.1.1', 'service-network'],
    ['169.254.169.254', 'link-local'], [IP.partner, undefined], ['10.245.0.1', undefined]
  ]
  for (const [ip, reason] of cases) assert.equal(check(ip, T0), reason, ip)
  assert.throws(() => clusterAddressCheck(index, { podCidrs: ['10.0.0.0/33'] }), /--pod-cidrs: not a CIDR: 10\.0\.0\.0\/33/)
})
