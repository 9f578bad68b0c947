// Child for dns-capture.test.ts: sends UDP datagrams from source port 53, inside a namespace.
// Usage: node send-child.cjs '[{"src":"10.0.0.1","dst":"10.0.0.2","port":40000,"hex":"..."}]'
'use strict'
const dgram = require('node:dgram')
const messages = JSON.parse(process.argv[2] || '[]')
setTimeout(() => process.exit(2), 10000).unref()
async function main () {
  for (const m of messages) {
    const socket = dgram.createSocket({ type: m.src.includes(':') ? 'udp6' : 'udp4' })
    await new Promise((resolve, reject) => { socket.once('error', reject); socket.bind(53, m.src, resolve) })
    await new Promise((resolve, reject) => socket.send(Buffer.from(m.hex, 'hex'), m.port, m.dst, (err) => err ? reject(err) : resolve()))
    socket.close()
  }
}
main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
