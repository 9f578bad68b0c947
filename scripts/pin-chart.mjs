#!/usr/bin/env node
// Writes a copy of helm/podmap whose defaults name released images pinned by digest, as the
// release workflow publishes the chart:
//   node scripts/pin-chart.mjs --images REGISTRY[/PREFIX] --sniffer-digest sha256:... \
//     --mapper-digest sha256:... --out DIR
// In DIR/values.yaml each image's registry becomes REGISTRY, its repository PREFIX/podmap-<name>
// (the layout scripts/build-images.sh --push REGISTRY[/PREFIX] pushes) and its digest the one
// given; comments and every other value are kept. DIR must not exist yet. Exit 2 on bad usage.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseDocument } from 'yaml'

const usage = 'usage: node scripts/pin-chart.mjs --images REGISTRY[/PREFIX] --sniffer-digest sha256:... --mapper-digest sha256:... --out DIR'
const fail = (msg) => { console.error(`pin-chart: ${msg}\n${usage}`); process.exit(2) }
let opts
try {
  opts = parseArgs({ options: { images: { type: 'string' }, 'sniffer-digest': { type: 'string' }, 'mapper-digest': { type: 'string' }, out: { type: 'string' } } }).values
} catch (err) {
  fail(err.message)
}
const images = (opts.images ?? '').replace(/\/+$/, '')
const host = images.split('/')[0]
const prefix = images.slice(host.length + 1)
if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host) || !/[.:]|^localhost$/.test(host)) fail(`--images ${images}: start with a registry host`)
const digests = { sniffer: opts['sniffer-digest'], mapper: opts['mapper-digest'] }
for (const [name, d] of Object.entries(digests)) {
  if (!/^sha256:[a-f0-9]{64}$/.test(d ?? '')) fail(`--${name}-digest ${d ?? '(missing)'}: not sha256:<64 hex digits>`)
}
if (opts.out === undefined) fail('--out is required')
if (existsSync(opts.out)) fail(`${opts.out} exists already`)

const chart = join(import.meta.dirname, '..', 'helm', 'podmap')
cpSync(chart, opts.out, { recursive: true })
const valuesFile = join(opts.out, 'values.yaml')
const doc = parseDocument(readFileSync(valuesFile, 'utf8'))
for (const [name, digest] of Object.entries(digests)) {
  doc.setIn([name, 'image', 'registry'], host)
  doc.setIn([name, 'image', 'repository'], `${prefix === '' ? '' : `${prefix}/`}podmap-${name}`)
  doc.setIn([name, 'image', 'digest'], digest)
}
writeFileSync(valuesFile, doc.toString({ lineWidth: 0 }))
console.log(`pin-chart: ${opts.out}: ${Object.entries(digests).map(([n, d]) => `${images}/podmap-${n}@${d}`).join(', ')}`)
