/** `podmap export | visualize | shadow` spawned against a mapper app listening on port 0. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'
import type { FastifyInstance } from 'fastify'
import { IP } from '../mapper/fixtures.js'
import { buildTestApp } from '../mapper/test-app.js'
import { BIN } from '../e2e/stack.js'

const run = promisify(execFile)
const TOKEN = 'cli-test-token'
let app: FastifyInstance
let url: string
let dir: string

async function podmap (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { encoding: 'utf8' })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

before(async () => {
  ;({ app } = await buildTestApp({ token: TOKEN, bodyLimit: 256 * 1024 }))
  const now = Date.now()
  const res = await app.inject({
    method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TOKEN}` },
    payload: { version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client: IP.checkout, server: IP.ordersSvc, port: 80, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }
  })
  assert.equal(res.statusCode, 200, res.body)
  url = await app.listen({ host: '127.0.0.1', port: 0 })
  dir = await mkdtemp(join(tmpdir(), 'podmap-cli-exports-'))
})
after(async () => { await app?.close(); await rm(dir, { recursive: true, force: true }) })

async function closedPortUrl (): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 1)) })
  })
  return `http://127.0.0.1:${port}`
}

test('export prints YAML documents; -o file writes them; -o dir/ writes one file per object', async () => {
  const r = await podmap('export', '--format', 'networkpolicy', '--mapper-url', url)
  assert.equal(r.code, 0, r.stderr)
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string, metadata: { name: string } })
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['NetworkPolicy/podmap-checkout-egress', 'NetworkPolicy/podmap-checkout-ingress', 'NetworkPolicy/podmap-orders-egress', 'NetworkPolicy/podmap-orders-ingress'])
  const file = join(dir, 'intents.yaml')
  assert.equal((await podmap('export', '--format', 'intents', '-o', file, '--mapper-url', url)).code, 0)
  assert.match(await readFile(file, 'utf8'), /kind: ClientIntents[\s\S]*service:\s+name: orders/)
  const out = join(dir, 'policies') + '/'
  const d = await podmap('export', '--format', 'cilium', '-n', 'shop', '-o', out, '--mapper-url', url)
  assert.equal(d.code, 0, d.stderr)
  assert.deepEqual((await readdir(out)).sort(), ['shop-ciliumnetworkpolicy-podmap-checkout-egress.yaml', 'shop-ciliumnetworkpolicy-podmap-checkout-ingress.yaml', 'shop-ciliumnetworkpolicy-podmap-orders-egress.yaml', 'shop-ciliumnetworkpolicy-podmap-orders-ingress.yaml'])
})

test('visualize writes svg and png files and prints mermaid', async () => {
  const svg = join(dir, 'map.svg')
  assert.equal((await podmap('visualize', '--format', 'svg', '-o', svg, '--mapper-url', url)).code, 0)
  assert.match(await readFile(svg, 'utf8'), /<svg[\s\S]*orders/)
  const png = join(dir, 'map.png')
  assert.equal((await podmap('visualize', '--format', 'png', '-o', png, '--mapper-url', url)).code, 0)
  assert.deepEqual([...(await readFile(png)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
  const mermaid = await podmap('visualize', '--format', 'mermaid', '--mapper-url', url)
  assert.match(mermaid.stdout, /^flowchart LR/)
})

test('shadow: the cluster\'s policies deny nothing; a proposed file is evaluated instead', async () => {
  const open = await podmap('shadow', '--mapper-url', url)
  assert.equal(open.code, 0, open.stderr)
  assert.match(open.stdout, /^0 of 1 observed call\(s\) would be denied by 0 cluster policies/)
  const file = join(dir, 'deny.yaml')
  await writeFile(file, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\n')
  const denied = await podmap('shadow', '-f', file, '--mapper-url', url)
  assert.equal(denied.code, 0, denied.stderr)
  assert.match(denied.stdout, /^1 of 1 observed call\(s\) would be denied by 1 proposed policy/)
  assert.match(denied.stdout, /^Deployment shop\/checkout\s+Deployment shop\/orders\s+8080\/TCP\s+ingress in shop \(shop\/deny-all\)$/m)
  const exported = join(dir, 'exported.yaml')
  assert.equal((await podmap('export', '--format', 'networkpolicy', '-o', exported, '--mapper-url', url)).code, 0)
  const dry = await podmap('shadow', '-f', exported, '-o', 'json', '--mapper-url', url)
  assert.deepEqual((JSON.parse(dry.stdout) as { denied: unknown[] }).denied, [], 'what export produced allows what was observed')
  const wide = await podmap('shadow', '-f', exported, '-o', 'wide', '--mapper-url', url)
  assert.equal(wide.code, 0, wide.stderr)
  assert.match(wide.stdout, /^CLIENT\s+SERVER\s+PORT\s+VERDICT\s+DECIDED BY$/m)
  assert.match(wide.stdout, /^Deployment shop\/checkout\s+Deployment shop\/orders\s+8080\/TCP\s+allowed\s+egress allowed by shop\/podmap-checkout-egress egress\[0\]; ingress allowed by shop\/podmap-orders-ingress ingress\[0\]$/m)
  const deniedWide = await podmap('shadow', '-f', file, '-o', 'wide', '--mapper-url', url)
  assert.match(deniedWide.stdout, /^Deployment shop\/checkout\s+Deployment shop\/orders\s+8080\/TCP\s+denied\s+ingress denied by shop\/deny-all \(no rule allows it\)$/m)
})

test('exit codes: bad flag -> 2 with usage; unreachable mapper -> 1, one line naming the URL; mapper 400 -> 1', async () => {
  for (const args of [['export'], ['export', '--format', 'helm'], ['visualize', '--format', 'gif'], ['visualize', '--format', 'png'], ['shadow', '--mode', 'merge'], ['export', '--format', 'json', '--bogus']]) {
    const r = await podmap(...args, '--mapper-url', url)
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr + r.stdout, new RegExp(`usage: podmap ${args[0] as string}`), args.join(' '))
  }
  const dead = await closedPortUrl()
  for (const cmd of [['export', '--format', 'intents'], ['visualize', '--format', 'dot'], ['shadow']]) {
    const r = await podmap(...cmd, '--mapper-url', dead)
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.ok(r.stderr.includes(`cannot reach the mapper at ${dead}`), r.stderr)
  }
  const bad = await podmap('export', '--format', 'intents', '--since', 'yesterday', '--mapper-url', url)
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /query\.since/)
  const missing = await podmap('shadow', '-f', join(dir, 'nope.yaml'), '--mapper-url', url)
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /nope\.yaml: cannot read: ENOENT/)
})
