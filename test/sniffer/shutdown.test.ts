/**
 * Graceful shutdown sends the last batch: the real `podmap sniffer` in a namespace of its own, with
 * report and scan intervals of an hour (so nothing is sent before the signal), sees one DNS
 * response on the namespace's loopback; on SIGTERM it must deliver a report holding it to a
 * stand-in mapper in the same namespace, then exit 0. Needs root; never skipped.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'
import { createLab, jsonLines, requireRoot, type Lab } from './capture/netns.js'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/podmap.js', import.meta.url))
const sinkPort = 20_000 + (process.pid % 1000)
const metricsPort = 21_000 + (process.pid % 1000)
let lab: Lab
let dir: string

const SINK = `
const http = require('node:http')
http.createServer((req, res) => {
  let body = ''
  req.on('data', (d) => { body += d })
  req.on('end', () => {
    const r = JSON.parse(body)
    console.log(JSON.stringify({ report: { version: r.version, auth: req.headers.authorization, dns: r.dns } }))
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: { dns: r.dns.length, sockets: r.sockets.length } }))
  })
}).listen(${sinkPort}, '127.0.0.1', () => console.log(JSON.stringify({ listening: true })))
setTimeout(() => process.exit(0), 60000)
`

before(() => {
  requireRoot()
  lab = createLab('stop')
  dir = mkdtempSync(join(tmpdir(), 'podmap-stop-'))
  lab.addNamespace('n')
})

after(() => {
  lab?.destroy()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('SIGTERM: the sniffer decodes what it captured, sends it as the last batch, and exits 0', async () => {
  const sink = lab.spawnIn('n', [process.execPath, '-e', SINK])
  const sinkLines = jsonLines(sink)
  await sinkLines.next((v) => v.listening === true, 10_000)
  writeFileSync(join(dir, 'token'), 'stop-token\n')
  const sniffer = lab.spawnIn('n', [process.execPath, BIN, 'sniffer', '--mapper-url', `http://127.0.0.1:${sinkPort}`,
    '--token-file', join(dir, 'token'), '--report-interval', '1h', '--scan-interval', '1h',
    '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort), '--node-name', 'stop-test', '--log-level', 'info'])
  const log = jsonLines(sniffer)
  await log.next((v) => v.msg === 'sniffer started', 30_000)
  const message = dnsPacket.encode({
    type: 'response', id: 77, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'A', name: 'last-batch.example' }],
    answers: [{ type: 'A', name: 'last-batch.example', ttl: 30, data: '192.0.2.77' }]
  })
  lab.exec('n', [process.execPath, here('./capture/send-child.cjs'), JSON.stringify([{ src: '127.0.0.1', dst: '127.0.0.1', port: 40777, hex: message.toString('hex') }])])
  // Nothing is sent before the signal (hour-long intervals).
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(sinkLines.all.filter((v: any) => v.report !== undefined).length, 0)

  const exited = new Promise<number | null>((resolve) => sniffer.once('exit', (code) => resolve(code)))
  sniffer.kill('SIGTERM')
  const report = await sinkLines.next((v) => v.report?.dns?.some((d: any) => d.name === 'last-batch.example'), 15_000)
  assert.equal(report.report.version, 3)
  assert.equal(report.report.auth, 'Bearer stop-token')
  const record = report.report.dns.find((d: any) => d.name === 'last-batch.example')
  assert.deepEqual({ client: record.client, answers: record.answers, count: record.count }, { client: '127.0.0.1', answers: ['192.0.2.77'], count: 1 })
  assert.equal(await exited, 0)
})
