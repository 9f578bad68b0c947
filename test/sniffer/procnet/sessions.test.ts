import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseProcNet, TcpState, type ProcNetRow } from '../../../sniffer/procnet/parse.js'
import { classifySessions } from '../../../sniffer/procnet/sessions.js'

const fixture = (name: string): ProcNetRow[] => parseProcNet(readFileSync(fileURLToPath(new URL(`../../fixtures/procnet/${name}`, import.meta.url)), 'utf8')).rows
const row = (localIp: string, localPort: number, remoteIp: string, remotePort: number, state: number = TcpState.ESTABLISHED): ProcNetRow =>
  ({ localIp, localPort, remoteIp, remotePort, state, inode: 1 })
const listen = (ip: string, port: number): ProcNetRow => row(ip, port, ip.includes(':') ? '::' : '0.0.0.0', 0, TcpState.LISTEN)

test('fixture namespace: server sides, client sides, dual-stack listener, loopback and non-established skipped', () => {
  const sessions = classifySessions([...fixture('tcp'), ...fixture('tcp6')])
  assert.deepEqual(sessions, [
    { client: '10.244.2.7', server: '10.244.1.5', port: 8080, protocol: 'TCP', side: 'server' }, // two connections, one session
    { client: '10.244.1.5', server: '10.96.0.10', port: 443, protocol: 'TCP', side: 'client' },
    { client: '10.244.3.9', server: '10.244.1.5', port: 9090, protocol: 'TCP', side: 'server' },
    { client: '10.244.2.8', server: '10.244.1.5', port: 80, protocol: 'TCP', side: 'server' }, // v4 via ::ffff: on :::80
    { client: 'fd00:10::5', server: 'fd00:96::a', port: 443, protocol: 'TCP', side: 'client' },
    { client: 'fd00:10::9', server: 'fd00:10::5', port: 80, protocol: 'TCP', side: 'server' }
  ])
})

test('a listener on one address does not make the same port on another address a server side', () => {
  const sessions = classifySessions([
    listen('10.0.0.1', 5000),
    row('10.0.0.2', 5000, '10.9.9.9', 443) // outgoing from another local address that happens to use port 5000
  ])
  assert.deepEqual(sessions, [{ client: '10.0.0.2', server: '10.9.9.9', port: 443, protocol: 'TCP', side: 'client' }])
})

test('0.0.0.0 listeners cover IPv4 only; :: listeners cover both families', () => {
  assert.deepEqual(classifySessions([listen('0.0.0.0', 80), row('fd00::1', 80, 'fd00::2', 443)]),
    [{ client: 'fd00::1', server: 'fd00::2', port: 443, protocol: 'TCP', side: 'client' }])
  assert.deepEqual(classifySessions([listen('::', 80), row('10.0.0.1', 80, '10.0.0.2', 33000)]),
    [{ client: '10.0.0.2', server: '10.0.0.1', port: 80, protocol: 'TCP', side: 'server' }])
})

test('loopback on either end is skipped; a call to the pod\'s own IP is one session', () => {
  assert.deepEqual(classifySessions([row('127.0.0.1', 40000, '10.0.0.1', 80), row('10.0.0.1', 40000, '127.0.0.53', 53), row('::1', 1, '::1', 2)]), [])
  const self = classifySessions([listen('0.0.0.0', 80), row('10.0.0.1', 80, '10.0.0.1', 41000), row('10.0.0.1', 41000, '10.0.0.1', 80)])
  assert.deepEqual(self, [{ client: '10.0.0.1', server: '10.0.0.1', port: 80, protocol: 'TCP' }])
})

test('only ESTABLISHED sockets make sessions', () => {
  const states = [TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.TIME_WAIT, TcpState.CLOSE_WAIT, TcpState.FIN_WAIT1]
  assert.deepEqual(classifySessions(states.map((s) => row('10.0.0.1', 40000, '10.0.0.2', 80, s))), [])
})

test('UDP: connected sockets are sessions, the right way round; unconnected ones are listeners, not sessions', () => {
  const udp = (localIp: string, localPort: number, remoteIp: string, remotePort: number, state: number, inode = 1): ProcNetRow => ({ localIp, localPort, remoteIp, remotePort, state, inode })
  const rows = [
    udp('0.0.0.0', 5353, '0.0.0.0', 0, 0x07), // a bound server socket
    udp('10.0.0.1', 41000, '10.0.0.9', 8125, 0x01, 11), // client: connected to a statsd server
    udp('10.0.0.1', 41001, '10.0.0.9', 8125, 0x01, 12), // same session, another socket
    udp('10.0.0.1', 5353, '10.0.0.7', 40000, 0x01, 13), // server side: connected back to a client
    udp('10.0.0.1', 41002, '127.0.0.1', 53, 0x01) // loopback
  ]
  assert.deepEqual(classifySessions(rows, { protocol: 'UDP' }), [
    { client: '10.0.0.1', server: '10.0.0.9', port: 8125, protocol: 'UDP', side: 'client' },
    { client: '10.0.0.7', server: '10.0.0.1', port: 5353, protocol: 'UDP', side: 'server' }
  ])
  assert.deepEqual(classifySessions(rows, { protocol: 'UDP', inodes: true }).map((s) => s.inodes), [[11, 12], []])
  // The fixture: one unconnected listener on :53, one connected resolver socket to a DNS server's
  // port 53: a name lookup, left to the DNS capture (no session to the cluster DNS from every pod).
  assert.deepEqual(classifySessions(fixture('udp'), { protocol: 'UDP' }), [])
  assert.deepEqual(classifySessions([udp('10.0.0.1', 41003, '10.96.0.10', 53, 0x01)], { protocol: 'UDP' }), [])
  assert.deepEqual(classifySessions([row('10.0.0.1', 41004, '10.96.0.10', 53)]), [])
})
