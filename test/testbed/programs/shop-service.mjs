#!/usr/bin/env node
// A demo application's service for testbed pods: echoes on its --listen TCP ports (dual-stack, as
// tcp-server.mjs) and, every --every ms (with up to 30% jitter, so the services do not call in
// step), opens one short connection to each --call target the way a service calls another: resolve
// the name with getaddrinfo (the pod's search list applies), connect, send a line, wait for the
// echo, close. With --once it makes one round of calls and exits (a CronJob's run): 0 if every call
// got its echo, 1 otherwise. Failures are printed as one JSON line each, at most once a minute per
// target, and never stop the service.
// Usage: node shop-service.mjs [--listen 8080[,..]] [--call host:port]... [--every MS] [--once]
import dns from 'node:dns/promises'
import net from 'node:net'

function parseArgs (argv) {
  const out = { listen: [], calls: [], every: 5000, once: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1] ?? ''
    if (a === '--listen') { out.listen = v.split(',').filter(Boolean).map(Number); i++ } else if (a === '--call') {
      const m = /^(.+):(\d+)$/.exec(v)
      if (!m) throw new Error(`--call wants host:port, got ${v}`)
      out.calls.push({ host: m[1], port: Number(m[2]) })
      i++
    } else if (a === '--every') { out.every = Number(v); i++ } else if (a === '--once') out.once = true
    else throw new Error(`unknown argument ${a}`)
  }
  for (const p of [...out.listen, ...out.calls.map((c) => c.port)]) if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new Error(`bad port ${p}`)
  if (!Number.isFinite(out.every) || out.every < 100) throw new Error('--every must be at least 100 (ms)')
  if (out.listen.length === 0 && out.calls.length === 0) throw new Error('nothing to do: give --listen and/or --call')
  return out
}

const args = parseArgs(process.argv.slice(2))
const log = (event) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n')

for (const port of args.listen) {
  const server = net.createServer((sock) => {
    sock.on('data', (d) => sock.write(d))
    sock.on('error', () => {})
  })
  server.on('error', (err) => { log({ event: 'listen-failed', port, error: err.message }); process.exit(1) })
  server.listen({ port, host: '::', ipv6Only: false })
}

/** One call: resolve, connect, one line, its echo, close; rejects with what went wrong. */
async function call (target) {
  const { address } = await dns.lookup(target.host)
  await new Promise((resolve, reject) => {
    const sock = net.connect({ host: address, port: target.port })
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('timed out after 5 s')) }, 5000)
    sock.once('error', (err) => { clearTimeout(timer); reject(err) })
    sock.once('connect', () => sock.write(`hello from ${process.env.HOSTNAME ?? 'a pod'}\n`))
    sock.once('data', () => { clearTimeout(timer); sock.end(); resolve() })
  })
}

const lastFailure = new Map()
async function round () {
  const results = await Promise.allSettled(args.calls.map((t) => call(t)))
  let ok = true
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return
    ok = false
    const t = args.calls[i]
    const key = `${t.host}:${t.port}`
    if (args.once || Date.now() - (lastFailure.get(key) ?? 0) > 60_000) {
      lastFailure.set(key, Date.now())
      log({ event: 'call-failed', host: t.host, port: t.port, error: r.reason?.message ?? String(r.reason) })
    }
  })
  return ok
}

if (args.once) {
  process.exit((await round()) ? 0 : 1)
} else {
  log({ event: 'ready', listen: args.listen, calls: args.calls.length })
  const next = () => setTimeout(() => { void round().finally(next) }, args.every * (0.7 + Math.random() * 0.6))
  if (args.calls.length > 0) next()
}
