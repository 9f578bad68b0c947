import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { postJson } from '../../sniffer/http-post.js'

async function serve (handler: Parameters<typeof createServer>[1]): Promise<{ server: Server, url: URL }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/reports`) }
}

test('posts the body with its headers and returns the status and answer', async () => {
  const { server, url } = await serve((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      res.writeHead(req.method === 'POST' && req.url === '/api/v1/reports' ? 201 : 404).end(JSON.stringify({
        body, type: req.headers['content-type'], length: req.headers['content-length'], auth: req.headers.authorization
      }))
    })
  })
  try {
    const r = await postJson(url, '{"é":1}', { authorization: 'Bearer t' }, 2000)
    assert.equal(r.status, 201)
    assert.deepEqual(JSON.parse(r.text), { body: '{"é":1}', type: 'application/json', length: '8', auth: 'Bearer t' })
  } finally { server.close() }
})

test('an error status is an answer, not a failure; a huge answer is cut', async () => {
  const { server, url } = await serve((_req, res) => { res.writeHead(400).end('x'.repeat(200_000)) })
  try {
    const r = await postJson(url, '{}', {}, 2000)
    assert.equal(r.status, 400)
    assert.equal(r.text.length, 64 * 1024)
  } finally { server.close() }
})

test('no answer within the deadline, or nobody listening: rejects', async () => {
  const { server, url } = await serve(() => { /* never answers */ })
  try {
    await assert.rejects(postJson(url, '{}', {}, 200), /no answer within 200 ms/)
  } finally { server.closeAllConnections(); server.close() }
  await assert.rejects(postJson(url, '{}', {}, 2000), /ECONNREFUSED/)
})

test('a chunked answer is decoded; an answer that keeps the connection open ends at its content-length', async () => {
  const { server, url } = await serve((req, res) => {
    if (req.url?.endsWith('/chunked')) {
      res.writeHead(503, { 'content-type': 'application/json' })
      res.write('{"part":')
      setTimeout(() => res.end('"two"}'), 20)
    } else {
      // Keep-alive despite the client's connection: close is the server's choice: the length ends it.
      res.shouldKeepAlive = true
      res.writeHead(200, { 'content-length': '7' }).end('{"a":1}')
    }
  })
  try {
    const chunked = await postJson(new URL('/chunked', url), '{}', {}, 2000)
    assert.deepEqual(chunked, { status: 503, text: '{"part":"two"}' })
    assert.deepEqual(await postJson(url, '{}', {}, 2000), { status: 200, text: '{"a":1}' })
  } finally { server.closeAllConnections(); server.close() }
})

test('IPv6 literals, an answer that is not HTTP, and a header with a line break', async () => {
  const server = createServer((_req, res) => { res.writeHead(204).end() })
  await new Promise<void>((resolve) => server.listen(0, '::1', resolve))
  const port = (server.address() as AddressInfo).port
  try {
    assert.deepEqual(await postJson(new URL(`http://[::1]:${port}/x`), '{}', {}, 2000), { status: 204, text: '' })
    await assert.rejects(postJson(new URL(`http://[::1]:${port}/x`), '{}', { evil: 'a\r\nx: y' }, 2000), /line break/)
  } finally { server.close() }
  const raw = createNetServer((s) => { s.end('SSH-2.0-nope\r\n\r\n') })
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
  try {
    await assert.rejects(postJson(new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/`), '{}', {}, 2000), /not an HTTP answer/)
  } finally { raw.close() }
})
