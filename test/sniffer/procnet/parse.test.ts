import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseProcNet, TcpState } from '../../../sniffer/procnet/parse.js'

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/procnet/${name}`, import.meta.url)), 'utf8')

test('tcp: little-endian IPv4 words, hex ports and states, decimal inodes', () => {
  const { rows, badLines } = parseProcNet(fixture('tcp'))
  assert.equal(badLines, 0)
  assert.equal(rows.length, 10)
  assert.deepEqual(rows[0], { localIp: '0.0.0.0', localPort: 8080, remoteIp: '0.0.0.0', remotePort: 0, state: TcpState.LISTEN, inode: 1001 })
  assert.deepEqual(rows[3], { localIp: '10.244.1.5', localPort: 8080, remoteIp: '10.244.2.7', remotePort: 51234, state: TcpState.ESTABLISHED, inode: 1004 })
  assert.deepEqual(rows[5], { localIp: '10.244.1.5', localPort: 40000, remoteIp: '10.96.0.10', remotePort: 443, state: TcpState.ESTABLISHED, inode: 1006 })
  assert.equal(rows[6]?.localIp, '127.0.0.1')
  assert.equal(rows[7]?.state, TcpState.TIME_WAIT)
})

test('tcp6: IPv6 words, v4-mapped addresses normalised to IPv4', () => {
  const { rows, badLines } = parseProcNet(fixture('tcp6'))
  assert.equal(badLines, 0)
  assert.deepEqual(rows.map((r) => [r.localIp, r.localPort, r.remoteIp, r.remotePort, r.state]), [
    ['::', 80, '::', 0, TcpState.LISTEN],
    ['10.244.1.5', 80, '10.244.2.8', 45000, TcpState.ESTABLISHED],
    ['fd00:10::5', 50000, 'fd00:96::a', 443, TcpState.ESTABLISHED],
    ['::1', 8080, '::1', 54321, TcpState.ESTABLISHED],
    ['fd00:10::5', 80, 'fd00:10::9', 40960, TcpState.ESTABLISHED]
  ])
})

test('udp: same format, with the extra trailing columns', () => {
  const { rows, badLines } = parseProcNet(fixture('udp'))
  assert.equal(badLines, 0)
  assert.deepEqual(rows, [
    { localIp: '0.0.0.0', localPort: 53, remoteIp: '0.0.0.0', remotePort: 0, state: 0x07, inode: 3001 },
    { localIp: '10.244.1.5', localPort: 55000, remoteIp: '10.96.0.10', remotePort: 53, state: 0x01, inode: 3002 }
  ])
})

test('malformed lines are counted and skipped, never thrown; good lines around them survive', () => {
  const { rows, badLines } = parseProcNet(fixture('malformed'))
  assert.deepEqual(rows.map((r) => r.inode), [4001, 4010])
  assert.equal(badLines, 7)
})

test('a states filter keeps only the wanted rows', () => {
  const { rows } = parseProcNet(fixture('tcp'), { states: [TcpState.ESTABLISHED] })
  assert.deepEqual(rows.map((r) => r.inode), [1004, 1005, 1006, 1007, 1008])
  assert.ok(rows.every((r) => r.state === TcpState.ESTABLISHED))
})

test('empty text, header only, and every truncation of a file never throw', () => {
  assert.deepEqual(parseProcNet(''), { rows: [], badLines: 0 })
  const text = fixture('tcp6')
  assert.deepEqual(parseProcNet(text.split('\n')[0]!), { rows: [], badLines: 0 })
  for (let n = 0; n <= text.length; n += 7) {
    const { rows, badLines } = parseProcNet(text.slice(0, n))
    assert.ok(rows.length + badLines <= 5)
  }
})

test('the machine\'s own /proc/net files parse without bad lines', () => {
  for (const file of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text: string
    try { text = readFileSync(`/proc/self/net/${file}`, 'utf8') } catch { continue }
    const lines = text.split('\n').filter((l) => l.trim() !== '').length - 1
    const { rows, badLines } = parseProcNet(text)
    assert.equal(badLines, 0, file)
    assert.equal(rows.length, lines, file)
  }
})
