import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { listenHealth, type HealthCloseReason, type HealthLimits } from '../../sniffer/health-server.js'

async function start (metrics: () => Promise<string> = async () => 'x_total 1\n', limits: Partial<HealthLimits> = {}) {
  const server = await listenHealth('127.0.0.1', 0, { metrics, metricsContentType: 'text/plain; version=0.0.4; charset=utf-8' }, limits)
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** Sends raw bytes and returns everything the server wrote before closing. */
async function raw (base: string, bytes: string, halfClose = false): Promise<string> {
  const { port } = new URL(base)
  return await new Promise((resolve, reject) => {
    let out = ''
    const s = connect(Number(port), '127.0.0.1', () => { if (halfClose) s.end(bytes); else s.write(bytes) })
    s.setEncoding('latin1')
    s.on('data', (d: string) => { out += d })
    s.on('close', () => resolve(out))
    s.on('error', reject)
  })
}

test('GET /healthz and /metrics answer as probes and Prometheus expect; anything else is 404', async () => {
  const { server, base } = await start()
  try {
    const health = await fetch(`${base}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    const metrics = await fetch(`${base}/metrics?x=1`)
    assert.equal(metrics.status, 200)
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    assert.equal(await metrics.text(), 'x_total 1\n')
    const missing = await fetch(`${base}/nope`)
    assert.equal(missing.status, 404)
    assert.equal((await missing.json() as { code: string }).code, 'PODMAP_ERR_NOT_FOUND')
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST', body: 'x' })).status, 405)
    const many = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${base}/metrics`)).status))
    assert.deepEqual(new Set(many), new Set([200]))
  } finally { server.close() }
})

test('HEAD has no body; a client that half-closes still gets its answer', async () => {
  const { server, base } = await start(async () => { await new Promise((resolve) => setTimeout(resolve, 50)); return 'slow 1\n' })
  try {
    const head = await raw(base, 'HEAD /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/)
    assert.match(head, /content-length: 15\r\n/)
    assert.ok(head.endsWith('\r\n\r\n'), head)
    const half = await raw(base, 'GET /metrics HTTP/1.0\r\n\r\n', true)
    assert.match(half, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nslow 1\n$/)
  } finally { server.close() }
})

test('bad requests are answered and closed: malformed line 400, oversized head 431, silence 408, failing metrics 500', async () => {
  const { server, base } = await start(async () => { throw new Error('no') }, { deadlineMs: 300 })
  try {
    assert.match(await raw(base, 'hello\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(await raw(base, `GET /healthz HTTP/1.1\r\nx: ${'a'.repeat(9000)}`), /^HTTP\/1\.1 431 /)
    assert.match(await raw(base, 'GET /healthz HTTP/1.1\r\n'), /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.match(await raw(base, 'GET /metrics HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 500 [^]*PODMAP_ERR_INTERNAL/)
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still serving')
  } finally { server.close() }
})

/** Opens a connection from `from` (a loopback address) and resolves once it is open. */
async function open (port: number, from: string): Promise<import('node:net').Socket> {
  return await new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from }, () => resolve(s))
    s.on('error', reject)
  })
}

const closed = async (s: import('node:net').Socket): Promise<void> => {
  if (s.destroyed || s.readyState === 'closed') return
  await new Promise((resolve) => s.once('close', resolve))
}

test('a client trickling a byte at a time is cut off at the whole-connection deadline, not kept alive by its bytes (issue #17)', async () => {
  const reasons: HealthCloseReason[] = []
  const { server, base } = await start(undefined, { deadlineMs: 600, onClosed: (r) => reasons.push(r) })
  try {
    const s = await open(Number(new URL(base).port), '127.0.0.1')
    let out = ''
    s.setEncoding('latin1')
    s.on('data', (d: string) => { out += d })
    s.on('error', () => {})
    // One byte every 100 ms: an idle timeout of 600 ms would never fire.
    const trickle = setInterval(() => { if (!s.destroyed) s.write('G') }, 100)
    let giveUp: NodeJS.Timeout | undefined
    const cut = await Promise.race([closed(s).then(() => true), new Promise<boolean>((resolve) => { giveUp = setTimeout(() => resolve(false), 15_000) })])
    clearTimeout(giveUp)
    clearInterval(trickle)
    s.destroy()
    assert.equal(cut, true, 'the server cut the trickling client off')
    assert.match(out, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.deepEqual(reasons, ['deadline'])
  } finally { server.close() }
})

test('connection caps: 8 per client address, a total for addresses other than the node\'s own; the node\'s own addresses are still served (issue #17)', async () => {
  const reasons: HealthCloseReason[] = []
  const { server, base } = await start(undefined, { deadlineMs: 30_000, maxPerPeer: 3, maxConnections: 5, localAddresses: new Set(['127.0.0.1']), onClosed: (r) => reasons.push(r) })
  const port = Number(new URL(base).port)
  const held: import('node:net').Socket[] = []
  try {
    // 4 from one pod-like address: the 4th is refused (per peer).
    for (let i = 0; i < 4; i++) held.push(await open(port, '127.0.0.2'))
    // 3 more from other addresses: 2 fit under the total of 5 (3 + 2), the 3rd is refused.
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) held.push(await open(port, from))
    await Promise.all([closed(held[3]!), closed(held[6]!)])
    assert.deepEqual(reasons.sort(), ['cap-peer', 'cap-total'])
    for (const i of [0, 1, 2, 4, 5]) assert.equal(held[i]!.destroyed, false, `connection ${i} stays open`)
    // The node itself (kubelet probes) is served while the others hold the cap.
    assert.match(await raw(base, 'GET /healthz HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 200 OK\r\n/)
    // Closed connections free their place.
    held[4]!.destroy(); held[5]!.destroy()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const again = await open(port, '127.0.0.6')
    held.push(again)
    again.write('GET /healthz HTTP/1.1\r\n\r\n')
    const answer = await new Promise<string>((resolve) => { let out = ''; again.setEncoding('latin1'); again.on('data', (d: string) => { out += d }); again.on('close', () => resolve(out)) })
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/)
  } finally {
    for (const s of held) s.destroy()
    server.close()
  }
})
