import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HostSynHold } from '../../sniffer/host-syns.js'
import type { SessionObservation } from '../../sniffer/collector.js'

const NODE = '192.168.1.10'
const pod = { uid: '0d7f9a7c-5b1e-4c1a-9f3e-2a6b8c4d1e0f' }

function setup (max?: number) {
  const collected: string[] = []
  const hold = new HostSynHold(new Set([NODE]), (o, at) => collected.push(`${o.client}>${o.server}:${o.port}@${at}`), max)
  return { hold, collected }
}

test('a pod\'s SYN is collected at once; a SYN from the node waits for the next scan', () => {
  const { hold, collected } = setup()
  hold.offer({ client: '10.244.0.5', clientPort: 40101, server: '10.96.0.1', port: 443, at: 1 })
  hold.offer({ client: NODE, clientPort: 40102, server: '10.96.0.1', port: 443, at: 2 })
  assert.deepEqual(collected, ['10.244.0.5>10.96.0.1:443@1'])
  assert.equal(hold.size, 1)
})

test('settle: covered by a pod-attributed session -> dropped; not covered -> the node\'s; newer than the scan -> kept', () => {
  const { hold, collected } = setup()
  hold.offer({ client: NODE, clientPort: 40103, server: '10.96.0.1', port: 443, at: 10 }) // a hostNetwork pod's, still open at the scan
  hold.offer({ client: NODE, clientPort: 40104, server: '10.96.0.2', port: 80, at: 11 }) // closed before the scan: stays the node's
  hold.offer({ client: NODE, clientPort: 40105, server: '10.96.0.3', port: 80, at: 30 }) // after the scan started
  const sessions: SessionObservation[] = [
    { client: NODE, server: '10.96.0.1', port: 443, protocol: 'TCP', clientPod: pod },
    { client: NODE, server: '10.96.0.2', port: 80, protocol: 'UDP', clientPod: pod } // other protocol: does not cover
  ]
  hold.settle(20, sessions, new Map())
  assert.deepEqual(collected, [`${NODE}>10.96.0.2:80@11`])
  assert.equal(hold.size, 1)
  hold.flush()
  assert.deepEqual(collected, [`${NODE}>10.96.0.2:80@11`, `${NODE}>10.96.0.3:80@30`])
  assert.equal(hold.size, 0)
})

test('bounded: past max, node SYNs are collected at once', () => {
  const { hold, collected } = setup(1)
  hold.offer({ client: NODE, clientPort: 40106, server: '10.0.0.1', port: 1, at: 1 })
  hold.offer({ client: NODE, clientPort: 40107, server: '10.0.0.2', port: 2, at: 2 })
  assert.equal(hold.size, 1)
  assert.deepEqual(collected, [`${NODE}>10.0.0.2:2@2`])
})

test('a SYN to port 53 is DNS over TCP, left to the DNS capture: no session to the DNS server (issue #11)', () => {
  const { hold, collected } = setup()
  hold.offer({ client: '10.244.0.5', clientPort: 40108, server: '10.96.0.10', port: 53, at: 1 })
  hold.offer({ client: NODE, clientPort: 40109, server: '10.96.0.10', port: 53, at: 2 })
  hold.flush()
  assert.deepEqual(collected, [])
  assert.equal(hold.size, 0)
})

test('each SYN says which side this node saw: from the node or a local pod the client\'s, from elsewhere the server\'s (report version 3)', () => {
  const sides: string[] = []
  const hold = new HostSynHold(new Set([NODE]), (o) => sides.push(`${o.client}:${o.side ?? '-'}`))
  hold.setLocalAddresses(new Set(['10.244.0.5']))
  hold.offer({ client: '10.244.0.5', clientPort: 40110, server: '10.244.1.9', port: 80, at: 1 }) // a pod of this node calling out
  hold.offer({ client: '192.168.1.11', clientPort: 40111, server: '10.244.0.6', port: 80, at: 2 }) // another node calling in
  hold.offer({ client: NODE, clientPort: 40112, server: '10.244.1.9', port: 80, at: 3 }) // this node calling out: held, then settled
  hold.settle(10, [], new Map())
  assert.deepEqual(sides, ['10.244.0.5:client', '192.168.1.11:server', `${NODE}:client`])
})

test('a hostNetwork pod\'s call to a ClusterIP: its SYN, past DNAT, names the pod chosen; the scan\'s socket the ClusterIP; matched on the client\'s port, it is the pod\'s', () => {
  const { hold, collected } = setup()
  hold.offer({ client: NODE, clientPort: 40001, server: '10.244.1.7', port: 8080, at: 10 }) // the pod's call through the Service
  hold.offer({ client: NODE, clientPort: 40002, server: '10.244.1.7', port: 8080, at: 11 }) // a node daemon's, same server
  const sessions: SessionObservation[] = [{ client: NODE, server: '10.96.0.20', port: 80, protocol: 'TCP', clientPod: pod }]
  hold.settle(20, sessions, new Map([[`${NODE} 40001 TCP`, pod], [`${NODE} 40002 UDP`, pod]]))
  assert.deepEqual(collected, [`${NODE}>10.244.1.7:8080@11`], 'only the unowned port stays the node\'s; another protocol does not match')
  assert.equal(hold.size, 0)
})
