#!/usr/bin/env node
// Relays every TCP connection on --listen PORT (dual-stack) to --to HOST:PORT, both ways.
// Prints "ready" once listening. Other arguments are ignored (an image's args may follow).
// Usage: node tcp-relay.mjs --listen 9090 --to 10.200.0.1:41234
import net from 'node:net'

const args = process.argv.slice(2)
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const listen = Number(opt('--listen'))
const [host, port] = (opt('--to') ?? '').split(/:(?=\d+$)/)
if (!Number.isInteger(listen) || !host || !port) { console.error('usage: tcp-relay.mjs --listen PORT --to HOST:PORT'); process.exit(2) }
net.createServer((socket) => {
  const up = net.connect(Number(port), host)
  socket.pipe(up).pipe(socket)
  const end = () => { socket.destroy(); up.destroy() }
  socket.on('error', end); up.on('error', end); socket.on('close', end); up.on('close', end)
}).listen(listen, '::', () => console.log('ready'))
