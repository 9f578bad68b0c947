/**
 * pods/portforward over SPDY/3.1 (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version:
 * portforward.k8s.io`), the protocol the real kubectl falls back to when its WebSocket tunnel is not
 * offered. Per forwarded connection kubectl opens two streams (headers `streamtype: error|data`,
 * `port`, `requestid`); the server replies to each, connects to podIP:port once both are there, pipes
 * the data stream both ways, and on failure writes the reason to the error stream. Flow control
 * (WINDOW_UPDATE) is ignored, as the Go spdystream library does.
 *
 * SPDY/3 compresses header blocks with zlib primed with a fixed dictionary from the SPDY/3 draft.
 * Rather than carry a copy, it is read from the kubectl binary the tests already need.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib'

const DICT_START = Buffer.from('\x00\x00\x00\x07options\x00\x00\x00\x04head', 'latin1')
const DICT_LENGTH = 1423
let dictionary: Buffer | undefined

/** The SPDY/3 header dictionary, found in a Go binary that links the SPDY framer (kubectl). */
export function spdyDictionary (binary: string): Buffer {
  if (dictionary) return dictionary
  const data = readFileSync(binary)
  const at = data.indexOf(DICT_START)
  if (at < 0) throw new Error(`no SPDY/3 header dictionary in ${binary}`)
  dictionary = Buffer.from(data.subarray(at, at + DICT_LENGTH))
  return dictionary
}

const SYN_STREAM = 1
const SYN_REPLY = 2
const RST_STREAM = 3
const PING = 6
const GOAWAY = 7
const FLAG_FIN = 1

/** zlib with SYNC_FLUSH per block over one stream per direction, in order. */
async function pump (z: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    const out: Buffer[] = []
    const onData = (c: Buffer): void => { out.push(c) }
    z.on('data', onData)
    z.once('error', reject)
    z.write(input)
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData)
      z.off('error', reject)
      resolve(Buffer.concat(out))
    })
  })
}

function decodeHeaders (block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {}
  let off = 0
  const n = block.readUInt32BE(off); off += 4
  for (let i = 0; i < n; i++) {
    const nl = block.readUInt32BE(off); off += 4
    const name = block.subarray(off, off + nl).toString('latin1'); off += nl
    const vl = block.readUInt32BE(off); off += 4
    headers[name.toLowerCase()] = block.subarray(off, off + vl).toString('latin1').split('\0')[0] ?? ''
    off += vl
  }
  return headers
}

interface Pending { error?: number, data?: number, port?: number }

export interface SpdyForwardTarget { podIP: string, namespace: string, name: string, upstreams: Set<Socket> }

/** Runs the SPDY side of an accepted upgrade (the 101 already written) until the connection ends. */
export function serveSpdyPortForward (socket: Duplex, head: Buffer, dict: Buffer, target: SpdyForwardTarget): void {
  const inflate = createInflate({ dictionary: dict })
  const deflate = createDeflate({ dictionary: dict })
  let chain = Promise.resolve()
  /** Every outgoing frame and every decoded incoming header block goes through one queue, in order. */
  const enqueue = (fn: () => Promise<void> | void): void => { chain = chain.then(fn).catch(() => { socket.destroy() }) }
  const send = (frame: Buffer): void => { if (socket.writable) socket.write(frame) }
  const control = (type: number, flags: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(8)
    h.writeUInt16BE(0x8000 | 3, 0)
    h.writeUInt16BE(type, 2)
    h.writeUInt32BE((flags << 24) | body.length, 4)
    return Buffer.concat([h, body])
  }
  const data = (stream: number, flags: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(8)
    h.writeUInt32BE(stream & 0x7fffffff, 0)
    h.writeUInt32BE((flags << 24) | body.length, 4)
    return Buffer.concat([h, body])
  }
  const sendData = (stream: number, body: Buffer, fin = false): void => {
    enqueue(() => {
      // A data frame carries at most 2^24 - 1 bytes.
      for (let off = 0; off < body.length; off += 0xffffff) send(data(stream, 0, body.subarray(off, off + 0xffffff)))
      if (fin) send(data(stream, FLAG_FIN, Buffer.alloc(0)))
    })
  }

  const pending = new Map<string, Pending>()
  const conns = new Map<number, Socket>()
  const ended = new Set<number>()

  const start = (requestId: string, p: Pending): void => {
    const { error, data: dataStream, port } = p
    if (error === undefined || dataStream === undefined || port === undefined) return
    pending.delete(requestId)
    const conn = connect({ host: target.podIP, port })
    target.upstreams.add(conn)
    conns.set(dataStream, conn)
    let finSent = false
    conn.on('data', (chunk: Buffer) => sendData(dataStream, Buffer.from(chunk)))
    conn.on('end', () => { finSent = true; sendData(dataStream, Buffer.alloc(0), true) })
    conn.on('error', (err: NodeJS.ErrnoException) => {
      sendData(error, Buffer.from(`error forwarding port ${port} to pod ${target.namespace}/${target.name}: failed to connect to ${target.podIP}:${port}: ${err.code ?? err.message}`))
    })
    conn.on('close', () => {
      target.upstreams.delete(conn)
      conns.delete(dataStream)
      if (!finSent) sendData(dataStream, Buffer.alloc(0), true)
      sendData(error, Buffer.alloc(0), true)
    })
    if (ended.has(dataStream)) conn.end()
  }

  const onSynStream = async (body: Buffer): Promise<void> => {
    const stream = body.readUInt32BE(0) & 0x7fffffff
    const headers = decodeHeaders(await pump(inflate, body.subarray(10)))
    const reply = Buffer.alloc(4)
    reply.writeUInt32BE(stream, 0)
    send(control(SYN_REPLY, 0, Buffer.concat([reply, await pump(deflate, Buffer.alloc(4))])))
    const requestId = headers.requestid ?? ''
    const p = pending.get(requestId) ?? {}
    p.port = Number(headers.port)
    if (headers.streamtype === 'error') p.error = stream
    else if (headers.streamtype === 'data') p.data = stream
    pending.set(requestId, p)
    start(requestId, p)
  }

  let buffered: Buffer = head.length > 0 ? Buffer.from(head) : Buffer.alloc(0)
  const parse = (): void => {
    while (buffered.length >= 8) {
      const len = buffered.readUInt32BE(4) & 0xffffff
      if (buffered.length < 8 + len) return
      const first = buffered.readUInt32BE(0)
      const flags = buffered[4] as number
      const body = Buffer.from(buffered.subarray(8, 8 + len))
      buffered = buffered.subarray(8 + len)
      if ((first & 0x80000000) === 0) {
        const stream = first & 0x7fffffff
        const conn = conns.get(stream)
        enqueue(() => {
          if (body.length > 0) conn?.write(body)
          if ((flags & FLAG_FIN) !== 0) { ended.add(stream); conn?.end() }
        })
        continue
      }
      const type = first & 0xffff
      if (type === SYN_STREAM) enqueue(async () => await onSynStream(body))
      else if (type === PING) enqueue(() => send(control(PING, 0, body)))
      else if (type === RST_STREAM) { const s = body.readUInt32BE(0) & 0x7fffffff; enqueue(() => { conns.get(s)?.destroy() }) } else if (type === GOAWAY) socket.end()
    }
  }
  socket.on('data', (chunk: Buffer) => { buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]); parse() })
  socket.on('end', () => socket.end())
  socket.on('error', () => socket.destroy())
  socket.on('close', () => {
    for (const c of conns.values()) c.destroy()
    inflate.close()
    deflate.close()
  })
  if (buffered.length > 0) setImmediate(parse)
}
