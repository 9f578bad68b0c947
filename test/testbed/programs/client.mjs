#!/usr/bin/env node
// Client for testbed pods: resolves --host with dns.lookup (getaddrinfo: the search list and ndots
// apply), connects to --port, sends one line, waits for the echo, keeps the connection open for
// --hold ms, then exits 0 printing one JSON line of what it did. Exits 1 (JSON with "error") on
// failure.
// Usage: node client.mjs --host NAME --port N [--family 4|6] [--udp] [--short] [--hold MS]
//                        [--message TEXT] [--timeout MS] [--no-reply]
//   --short     close right after connecting (no message, no hold)
//   --udp       connected UDP socket (dgram connect + send)
//   --no-reply  do not wait for the echo
import dns from 'node:dns/promises'
import net from 'node:net'
import dgram from 'node:dgram'

function parseArgs (argv) {
  const out = { host: '', port: 0, family: 0, udp: false, short: false, hold: 0, message: 'hello', timeout: 5000, reply: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1]
    const take = () => { i++; if (v === undefined) throw new Error(`${a} needs a value`); return v }
    switch (a) {
      case '--host': out.host = take(); break
      case '--port': out.port = Number(take()); break
      case '--family': out.family = Number(take()); break
      case '--hold': out.hold = Number(take()); break
      case '--message': out.message = take(); break
      case '--timeout': out.timeout = Number(take()); break
      case '--udp': out.udp = true; break
      case '--short': out.short = true; break
      case '--no-reply': out.reply = false; break
      default: throw new Error(`unknown argument ${a}`)
    }
  }
  if (out.host === '') throw new Error('--host is required')
  if (!Number.isInteger(out.port) || out.port <= 0 || out.port > 65535) throw new Error('--port must be 1..65535')
  if (![0, 4, 6].includes(out.family)) throw new Error('--family must be 4 or 6')
  return out
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
function withTimeout (promise, ms, what) {
  let timer
  return Promise.race([promise, new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms) })])
    .finally(() => clearTimeout(timer))
}

async function tcp (args, address, result) {
  const sock = net.connect({ host: address, port: args.port })
  sock.on('error', () => {})
  await withTimeout(new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) }), args.timeout, 'connect')
  result.localAddress = sock.localAddress
  result.localPort = sock.localPort
  if (args.short) { sock.destroy(); return }
  const reply = new Promise((resolve, reject) => {
    let got = ''
    sock.on('data', (d) => { got += d.toString('utf8'); if (got.includes('\n')) resolve(got.trim()) })
    sock.once('close', () => reject(new Error('connection closed before the echo')))
  })
  sock.write(args.message + '\n')
  if (args.reply) result.reply = await withTimeout(reply, args.timeout, 'echo')
  await sleep(args.hold)
  sock.end()
}

async function udp (args, address, family, result) {
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise((resolve, reject) => { sock.once('error', reject); sock.connect(args.port, address, resolve) })
    const local = sock.address()
    result.localAddress = local.address
    result.localPort = local.port
    const reply = new Promise((resolve) => sock.once('message', (m) => resolve(m.toString('utf8').trim())))
    await new Promise((resolve, reject) => sock.send(args.message + '\n', (err) => err ? reject(err) : resolve()))
    if (args.reply && !args.short) result.reply = await withTimeout(reply, args.timeout, 'echo')
    if (!args.short) await sleep(args.hold)
  } finally {
    sock.close()
  }
}

let args
const result = {}
try {
  args = parseArgs(process.argv.slice(2))
  Object.assign(result, { host: args.host, port: args.port, protocol: args.udp ? 'udp' : 'tcp' })
  const found = await withTimeout(dns.lookup(args.host, { family: args.family }), args.timeout, 'lookup')
  Object.assign(result, { address: found.address, family: found.family })
  if (args.udp) await udp(args, found.address, found.family, result)
  else await tcp(args, found.address, result)
  result.heldMs = args.short ? 0 : args.hold
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
} catch (err) {
  process.stdout.write(JSON.stringify({ ...result, error: err.message, code: err.code }) + '\n')
  process.exit(1)
}
