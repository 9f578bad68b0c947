/**
 * The server side of RFC 6455, just what the fake API server's streaming subresources need: the
 * opening handshake (with subprotocol choice), unmasking and reassembling client frames, answering
 * pings and close, and sending unmasked binary frames.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

export interface ServerWebSocket {
  protocol: string
  sendBinary: (data: Buffer) => void
  close: (code?: number) => void
  onMessage: (fn: (data: Buffer, binary: boolean) => void) => void
  onClose: (fn: () => void) => void
}

/** The subprotocols a client offered, in its order of preference. */
export function offeredProtocols (req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol']
  const text = Array.isArray(raw) ? raw.join(',') : raw ?? ''
  return text.split(',').map((p) => p.trim()).filter((p) => p !== '')
}

export function isWebSocketUpgrade (req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string'
}

/** Writes the 101 answer and returns the connection; `protocol` '' means no subprotocol header. */
export function acceptWebSocket (req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): ServerWebSocket {
  const accept = createHash('sha1').update(String(req.headers['sec-websocket-key']) + GUID).digest('base64')
  socket.write([
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...(protocol !== '' ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
    '', ''
  ].join('\r\n'))

  const messageHandlers: Array<(data: Buffer, binary: boolean) => void> = []
  const closeHandlers: Array<() => void> = []
  let buffered: Buffer = head.length > 0 ? Buffer.from(head) : Buffer.alloc(0)
  let fragments: Buffer[] = []
  let fragmentBinary = true
  let closed = false

  const frame = (opcode: number, payload: Buffer): Buffer => {
    const len = payload.length
    const header = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
    header[0] = 0x80 | opcode
    if (len < 126) header[1] = len
    else if (len < 65536) { header[1] = 126; header.writeUInt16BE(len, 2) } else { header[1] = 127; header.writeBigUInt64BE(BigInt(len), 2) }
    return Buffer.concat([header, payload])
  }
  const write = (opcode: number, payload: Buffer): void => {
    if (!closed && socket.writable) socket.write(frame(opcode, payload))
  }
  const finish = (): void => {
    if (closed) return
    closed = true
    for (const fn of closeHandlers) fn()
  }

  const parse = (): void => {
    for (;;) {
      if (buffered.length < 2) return
      const b0 = buffered[0] as number
      const b1 = buffered[1] as number
      let len = b1 & 0x7f
      let offset = 2
      if (len === 126) { if (buffered.length < 4) return; len = buffered.readUInt16BE(2); offset = 4 } else if (len === 127) { if (buffered.length < 10) return; len = Number(buffered.readBigUInt64BE(2)); offset = 10 }
      const masked = (b1 & 0x80) !== 0
      const maskAt = offset
      if (masked) offset += 4
      if (buffered.length < offset + len) return
      const payload = Buffer.from(buffered.subarray(offset, offset + len))
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (buffered[maskAt + (i % 4)] as number)
      buffered = buffered.subarray(offset + len)
      const fin = (b0 & 0x80) !== 0
      const opcode = b0 & 0x0f
      if (opcode === 0x8) { // close: echo it, then end
        write(0x8, payload.subarray(0, 2))
        socket.end()
        finish()
        return
      }
      if (opcode === 0x9) { write(0xa, payload); continue }
      if (opcode === 0xa) continue
      if (opcode === 0x1 || opcode === 0x2) { fragments = [payload]; fragmentBinary = opcode === 0x2 } else if (opcode === 0x0) fragments.push(payload)
      if (fin) {
        const data = fragments.length === 1 ? fragments[0] as Buffer : Buffer.concat(fragments)
        fragments = []
        for (const fn of messageHandlers) fn(data, fragmentBinary)
      }
    }
  }

  socket.on('data', (chunk: Buffer) => { buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]); parse() })
  // The HTTP server's sockets allow half-open connections: a client gone without a close frame
  // only shows as 'end', and 'close' would never come unless this side ends too.
  socket.on('end', () => { socket.end(); finish() })
  socket.on('close', finish)
  socket.on('error', () => { socket.destroy(); finish() })
  // Handlers attach synchronously after accept; bytes that came with the upgrade wait one tick.
  if (buffered.length > 0) setImmediate(parse)

  return {
    protocol,
    sendBinary: (data) => write(0x2, data),
    close: (code = 1000) => {
      const payload = Buffer.alloc(2)
      payload.writeUInt16BE(code, 0)
      write(0x8, payload)
      socket.end()
      finish()
    },
    onMessage: (fn) => { messageHandlers.push(fn) },
    onClose: (fn) => { closeHandlers.push(fn) }
  }
}
