import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { listenHealth } from '../../sniffer/health-server.js'

async function start (metrics: () => Promise<string> = async () => 'x_total 1\n', timeoutMs?: number) {
  const server = await listenHealth('127.0.0.1', 0, { metrics, metricsContentType: 'text/plain; version=0.0.4; charset=utf-8' }, timeoutMs)
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
  const { server, base } = await start(async () => { throw new Error('no') }, 300)
  try {
    assert.match(await raw(base, 'hello\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(await raw(base, `GET /healthz HTTP/1.1\r\nx: ${'a'.repeat(9000)}`), /^HTTP\/1\.1 431 /)
    assert.match(await raw(base, 'GET /healthz HTTP/1.1\r\n'), /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.match(await raw(base, 'GET /metrics HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 500 [^]*PODMAP_ERR_INTERNAL/)
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still serving')
  } finally { server.close() }
})
