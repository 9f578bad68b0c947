import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Resolver } from '../../../mapper/resolve/resolver.js'
import type { Call } from '../../../mapper/store/call.js'
import { reportSchema } from '../../../src/contract/report.js'
import type { PodObject } from '../../../mapper/kube/objects.js'
import { shopIndex, IP, T0 } from '../fixtures.js'

const AGENT_UID = '0d7f9a7c-5b1e-4c1a-9f3e-2a6b8c4d1e0f'

function setup () {
  const index = shopIndex()
  index.upsert('DaemonSet', { kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-agent' } }, T0 - 3_000_000)
  const agent: PodObject = {
    kind: 'Pod',
    metadata: { name: 'agent-x1', namespace: 'kube-system', uid: AGENT_UID, ownerReferences: [{ kind: 'DaemonSet', name: 'agent', uid: 'ds-agent', controller: true }] },
    spec: { nodeName: 'node-a', hostNetwork: true, containers: [{}] },
    status: { phase: 'Running', podIP: IP.node, podIPs: [{ ip: IP.node }] }
  }
  index.upsert('Pod', agent, T0 - 3_000_000)
  return new Resolver(index, { clusterDomain: 'cluster.local', excludeNamespaces: [], onUnresolved: () => {} })
}

const sock = (clientPod?: { uid: string }) => ({ client: IP.node, server: IP.ordersSvc, port: 80, protocol: 'TCP' as const, firstSeen: T0, lastSeen: T0, count: 1, ...(clientPod ? { clientPod } : {}) })

test('a host-network socket with clientPod resolves to that pod\'s workload, not the node (report version 2)', () => {
  const resolver = setup()
  const out: Call[] = []
  resolver.socket(sock({ uid: AGENT_UID }), out)
  resolver.socket(sock(), out)
  assert.deepEqual(out.map((c) => c.client), [
    { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' },
    { kind: 'Node', name: 'node-a' }
  ])
})

test('a clientPod the informers do not know falls back to the address (the node)', () => {
  const out: Call[] = []
  setup().socket(sock({ uid: '11111111-2222-3333-4444-555555555555' }), out)
  assert.deepEqual(out[0]?.client, { kind: 'Node', name: 'node-a' })
})

test('report schema: versions 1, 2 and 3 accepted, clientPod and side validated, other versions refused', () => {
  const base = { node: 'n', sentAt: T0, dns: [], sockets: [sock({ uid: AGENT_UID })] }
  assert.equal(reportSchema.safeParse({ ...base, version: 2 }).success, true)
  assert.equal(reportSchema.safeParse({ ...base, version: 1, sockets: [sock()] }).success, true)
  assert.equal(reportSchema.safeParse({ ...base, version: 3, sockets: [{ ...sock(), side: 'server', count: 0 }] }).success, true)
  assert.equal(reportSchema.safeParse({ ...base, version: 3, sockets: [{ ...sock(), side: 'middle' }] }).success, false)
  assert.equal(reportSchema.safeParse({ ...base, version: 4 }).success, false)
  assert.equal(reportSchema.safeParse({ ...base, version: 2, sockets: [sock({ uid: 'not-a-uid' })] }).success, false)
})
