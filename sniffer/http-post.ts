/**
 * POST a JSON body and read the answer: HTTP/1.1 over node:net (node:tls for an https URL), one
 * request per connection (`connection: close`).
 *
 * Not fetch (the first fetch() loads undici: +13 MB resident) and not node:http (its client and
 * server modules: ~2 MiB), on a process whose budget is 60 MB (BENCHMARKS.md). The sniffer needs
 * only the status and, for a log line, the start of the body: the answer ends at its
 * content-length, or at the end of the connection; a chunked body is decoded; at most 64 KiB of it
 * is kept.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'

export interface PostResult { status: number, text: string }

/** Answers beyond this are cut (an error body is logged, never parsed). */
const MAX_ANSWER_BYTES = 64 * 1024
const MAX_HEAD_BYTES = 16 * 1024

export async function postJson (url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`)
  const tls = url.protocol === 'https:'
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = url.port !== '' ? Number(url.port) : tls ? 443 : 80
  const payload = Buffer.from(body, 'utf8')
  let request = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\nconnection: close\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value)) throw new Error(`header ${name} holds a line break`)
    request += `${name}: ${value}\r\n`
  }
  const socket: Socket = tls
    ? (await import('node:tls')).connect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}) })
    : netConnect({ host, port })
  return await new Promise<PostResult>((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    let settled = false
    const finish = (err: Error | null, result?: PostResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (err !== null) reject(err)
      else resolve(result as PostResult)
    }
    // One deadline for the whole exchange, connection included.
    const timer = setTimeout(() => { finish(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs)
    socket.once(tls ? 'secureConnect' : 'connect', () => { socket.write(Buffer.concat([Buffer.from(request + '\r\n', 'latin1'), payload])) })
    socket.on('data', (chunk: Buffer) => {
      if (received < MAX_HEAD_BYTES + MAX_ANSWER_BYTES) chunks.push(chunk)
      received += chunk.length
      const parsed = parseAnswer(Buffer.concat(chunks), false)
      if (parsed instanceof Error) finish(parsed)
      else if (parsed !== undefined) finish(null, parsed)
    })
    socket.on('end', () => {
      const parsed = parseAnswer(Buffer.concat(chunks), true)
      if (parsed instanceof Error) finish(parsed)
      else finish(parsed === undefined ? new Error('connection closed before an answer') : null, parsed)
    })
    socket.on('error', (err) => { finish(err) })
  })
}

/**
 * The answer in `data` once it is complete: at its content-length, at the last chunk of a chunked
 * body, or (with no length) when the connection has ended. Undefined while more is needed.
 */
function parseAnswer (data: Buffer, ended: boolean): PostResult | Error | undefined {
  const headEnd = data.indexOf('\r\n\r\n')
  if (headEnd === -1) return data.length > MAX_HEAD_BYTES ? new Error('answer head too large') : undefined
  const head = data.subarray(0, headEnd).toString('latin1')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)
  if (status === null) return new Error(`not an HTTP answer: ${JSON.stringify(head.slice(0, 40))}`)
  const code = Number(status[1])
  if (code >= 100 && code < 200) return parseAnswer(data.subarray(headEnd + 4), ended) // interim (100 Continue): the real answer follows
  const rawBody = data.subarray(headEnd + 4)
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)
  const chunked = /\r\ntransfer-encoding: *chunked/i.test(head)
  let bodyBytes: Buffer | undefined
  if (chunked) bodyBytes = dechunk(rawBody, ended)
  else if (length !== null) bodyBytes = rawBody.length >= Number(length[1]) || ended || rawBody.length >= MAX_ANSWER_BYTES ? rawBody.subarray(0, Number(length[1])) : undefined
  else if (ended) bodyBytes = rawBody
  if (bodyBytes === undefined) return undefined
  return { status: code, text: bodyBytes.subarray(0, MAX_ANSWER_BYTES).toString('utf8') }
}

/** The chunked body's bytes once its last chunk is in (or the connection ended); else undefined. */
function dechunk (raw: Buffer, ended: boolean): Buffer | undefined {
  const parts: Buffer[] = []
  let off = 0
  let size = 0
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', off)
    if (lineEnd === -1) break
    const n = parseInt(raw.subarray(off, lineEnd).toString('latin1'), 16)
    if (Number.isNaN(n)) return Buffer.concat(parts)
    if (n === 0) return Buffer.concat(parts)
    if (lineEnd + 2 + n > raw.length) {
      // An incomplete chunk: enough once the connection ended or the kept part is full.
      const partial = raw.subarray(lineEnd + 2)
      if (ended || size + partial.length >= MAX_ANSWER_BYTES) return Buffer.concat([...parts, partial])
      return undefined
    }
    if (size < MAX_ANSWER_BYTES) parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + n))
    size += n
    off = lineEnd + 2 + n + 2
    if (size >= MAX_ANSWER_BYTES) return Buffer.concat(parts)
  }
  return ended ? Buffer.concat(parts) : undefined
}
