#!/usr/bin/env node
// One DNS query, answered by whatever server is asked, decoded: prints one JSON line with the
// response code, flags, answers, authority and additional records. Sends EDNS (OPT, 1232 bytes).
// Usage: node dns-query.mjs --server IP --name NAME [--type A|AAAA|SRV|PTR|...] [--tcp]
import dgram from 'node:dgram'
import net from 'node:net'
import packet from 'dns-packet'

const args = process.argv.slice(2)
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const server = opt('--server')
const name = opt('--name')
const type = opt('--type', 'A')
const tcp = args.includes('--tcp')
if (!server || !name) { console.error('usage: dns-query.mjs --server IP --name NAME [--type T] [--tcp]'); process.exit(2) }

const query = packet.encode({
  type: 'query', id: Math.floor(Math.random() * 65535), flags: packet.RECURSION_DESIRED,
  questions: [{ type, name }],
  additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [] }]
})
const print = (buf) => {
  const r = packet.decode(buf)
  const rr = (x) => ({ name: x.name, type: x.type, ...(x.type === 'OPT' ? { udpPayloadSize: x.udpPayloadSize } : { data: typeof x.data === 'object' && !Buffer.isBuffer(x.data) ? x.data : String(x.data) }) })
  console.log(JSON.stringify({ rcode: r.rcode, aa: (r.flags & packet.AUTHORITATIVE_ANSWER) !== 0, answers: r.answers.map(rr), authorities: r.authorities.map(rr), additionals: r.additionals.map(rr) }))
  process.exit(0)
}
setTimeout(() => { console.error('no answer within 5 s'); process.exit(1) }, 5000).unref()
if (tcp) {
  const len = Buffer.alloc(2); len.writeUInt16BE(query.length)
  const s = net.connect(53, server, () => s.write(Buffer.concat([len, query])))
  let got = Buffer.alloc(0)
  s.on('data', (d) => { got = Buffer.concat([got, d]); if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) { s.end(); print(got.subarray(2)) } })
  s.on('error', (e) => { console.error(e.message); process.exit(1) })
} else {
  const s = dgram.createSocket(server.includes(':') ? 'udp6' : 'udp4')
  s.on('message', (m) => print(m))
  s.send(query, 53, server)
}
