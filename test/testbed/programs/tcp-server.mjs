#!/usr/bin/env node
// Echo server for testbed pods: listens dual-stack on "::" (IPv4 arrives as ::ffff:a.b.c.d) on the
// TCP ports of --tcp 8080,9090 and the UDP ports of --udp 5353; keeps TCP connections open until
// the peer closes; prints "ready" once every socket listens, then one JSON line per event.
// Usage: node tcp-server.mjs --tcp 8080[,..] [--udp 53[,..]] [--host ::]
import net from 'node:net'
import dgram from 'node:dgram'

function parseArgs (argv) {
  const out = { tcp: [], udp: [], host: '::' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1] ?? ''
    if (a === '--tcp' || a === '--udp') { out[a.slice(2)] = v.split(',').filter((s) => s !== '').map(Number); i++ } else if (a === '--host') { out.host = v; i++ } else throw new Error(`unknown argument ${a}`)
  }
  for (const p of [...out.tcp, ...out.udp]) if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new Error(`bad port ${p}`)
  if (out.tcp.length + out.udp.length === 0) throw new Error('nothing to listen on: give --tcp and/or --udp')
  return out
}

const log = (event) => process.stdout.write(JSON.stringify(event) + '\n')
const args = parseArgs(process.argv.slice(2))
const sockets = new Set()
const servers = []

const listening = []
for (const port of args.tcp) {
  const server = net.createServer((sock) => {
    sockets.add(sock)
    log({ event: 'connection', protocol: 'tcp', port, remoteAddress: sock.remoteAddress, remotePort: sock.remotePort })
    sock.on('data', (d) => sock.write(d))
    sock.on('error', () => {})
    sock.on('close', () => sockets.delete(sock))
  })
  servers.push(server)
  listening.push(new Promise((resolve, reject) => { server.once('error', reject); server.listen({ port, host: args.host, ipv6Only: false }, resolve) }))
}
for (const port of args.udp) {
  const sock = dgram.createSocket({ type: args.host.includes(':') ? 'udp6' : 'udp4', ipv6Only: false })
  sock.on('message', (msg, rinfo) => {
    log({ event: 'datagram', protocol: 'udp', port, remoteAddress: rinfo.address, remotePort: rinfo.port })
    sock.send(msg, rinfo.port, rinfo.address)
  })
  servers.push(sock)
  listening.push(new Promise((resolve, reject) => { sock.once('error', reject); sock.bind(port, args.host, resolve) }))
}

try {
  await Promise.all(listening)
} catch (err) {
  process.stderr.write(`tcp-server: ${err.message}\n`)
  process.exit(1)
}
process.stdout.write('ready\n')

const stop = () => {
  for (const s of sockets) s.destroy()
  for (const s of servers) s.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
