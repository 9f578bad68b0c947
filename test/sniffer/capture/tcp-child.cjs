// Child for dns-capture.test.ts, inside a namespace. Bounded: exits after 15 s at most.
//   server PORT HEXES_JSON : TCP on [::]:PORT (dual stack); to each connection writes every DNS
//                            message of HEXES_JSON (2-byte length prefix), the first one split over
//                            three writes 50 ms apart, the rest in one write; then closes. Prints {"ready":true}.
//   client HOST PORT       : connects, reads until the server closes, prints {"bytes": N}.
//   connect HOST PORT      : connects and closes at once (a connection shorter than any scan).
'use strict'
const net = require('node:net')
setTimeout(() => process.exit(2), 15000).unref()
const [mode, a, b, c] = process.argv.slice(2)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
if (mode === 'server') {
  const messages = JSON.parse(c).map((hex) => Buffer.from(hex, 'hex'))
  const framed = messages.map((m) => { const l = Buffer.alloc(2); l.writeUInt16BE(m.length); return Buffer.concat([l, m]) })
  const server = net.createServer({ noDelay: true }, async (socket) => {
    socket.setNoDelay(true)
    socket.on('error', () => {}) // a 'connect' client closes at once
    const first = framed[0]
    const cut1 = 1
    const cut2 = Math.floor(first.length / 2)
    socket.write(first.subarray(0, cut1)); await sleep(50)
    socket.write(first.subarray(cut1, cut2)); await sleep(50)
    socket.write(first.subarray(cut2)); await sleep(50)
    if (framed.length > 1) socket.write(Buffer.concat(framed.slice(1)))
    socket.end()
  })
  server.listen(Number(b), a, () => { process.stdout.write('{"ready":true}\n') })
} else if (mode === 'client') {
  const socket = net.connect(Number(b), a)
  let n = 0
  socket.on('data', (d) => { n += d.length })
  socket.on('end', () => { process.stdout.write(JSON.stringify({ bytes: n }) + '\n'); process.exit(0) })
  socket.on('error', (err) => { console.error(err.message); process.exit(1) })
} else if (mode === 'connect') {
  const socket = net.connect(Number(b), a, () => { socket.destroy(); process.exit(0) })
  socket.on('error', (err) => { console.error(err.message); process.exit(1) })
} else {
  process.exit(2)
}
