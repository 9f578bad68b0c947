import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, TEST_TOKEN } from '../mapper/test-app.js'
import { IP } from '../mapper/fixtures.js'
import { runPodmap } from './run-podmap.js'

let app: FastifyInstance
let url: string
let dir: string
let tokenFile: string

const podmap = async (...args: string[]) => await runPodmap(args)

async function report (client: string, server: string, port: number): Promise<void> {
  const now = Date.now()
  const res = await app.inject({
    method: 'POST', url: '/api/v1/reports', headers: { authorization: `Bearer ${TEST_TOKEN}` },
    payload: { version: 1, node: 'node-a', sentAt: now, dns: [], sockets: [{ client, server, port, protocol: 'TCP', firstSeen: now, lastSeen: now, count: 1 }] }
  })
  assert.equal(res.statusCode, 200)
}

before(async () => {
  ;({ app } = await buildTestApp())
  url = await app.listen({ host: '127.0.0.1', port: 0 })
  dir = await mkdtemp(join(tmpdir(), 'podmap-cli-'))
  tokenFile = join(dir, 'token')
  await writeFile(tokenFile, TEST_TOKEN)
})
after(async () => { await app.close(); await rm(dir, { recursive: true, force: true }) })

test('snapshot, then diff shows the calls added since, then reset clears the map', async () => {
  await report(IP.checkout, IP.ordersSvc, 80)
  const pin = await podmap('snapshot', 'create', 'baseline', '--mapper-url', url, '--token-file', tokenFile)
  assert.equal(pin.code, 0, pin.stderr)
  assert.match(pin.stdout, /snapshot baseline pinned: 1 edges/)
  assert.match((await podmap('snapshot', 'list', '--mapper-url', url)).stdout, /^baseline\s/m)
  await report(IP.job, IP.ledger0, 5432)
  await report(IP.checkout, IP.orders, 9090)
  const diff = await podmap('diff', '--since', 'baseline', '--mapper-url', url)
  assert.equal(diff.code, 0, diff.stderr)
  assert.match(diff.stdout, /^\+ CronJob batch\/nightly -> StatefulSet db\/ledger \[5432\/TCP\]$/m)
  assert.match(diff.stdout, /^~ Deployment shop\/checkout -> Deployment shop\/orders: \+ports 9090\/TCP$/m)
  const json = JSON.parse((await podmap('diff', '--since', 'baseline', '-o', 'json', '--mapper-url', url)).stdout) as { added: unknown[] }
  assert.equal(json.added.length, 1)
  const noToken = await podmap('reset', '--mapper-url', url, '--token-file', join(dir, 'missing'))
  assert.equal(noToken.code, 1)
  const reset = await podmap('reset', '--mapper-url', url, '--token-file', tokenFile)
  assert.equal(reset.code, 0, reset.stderr)
  assert.match(reset.stdout, /2 edges removed/)
  assert.match((await podmap('list', '--mapper-url', url)).stdout, /no calls observed yet/)
})

test('bad flags exit 2 with usage; an unreachable mapper is one line naming the URL, exit 1', async () => {
  const bad = await podmap('diff', '--bogus', '--mapper-url', url)
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--bogus: unknown option/)
  assert.match(bad.stderr, /usage: podmap diff/)
  const missing = await podmap('diff', '--mapper-url', url)
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /--since: is required/)
  const down = await podmap('list', '--mapper-url', 'http://127.0.0.1:9')
  assert.equal(down.code, 1)
  assert.equal(down.stderr.trim().split('\n').length, 1)
  assert.match(down.stderr, /cannot reach the mapper at http:\/\/127\.0\.0\.1:9/)
  const badTime = await podmap('diff', '--since', 'yesterday', '--mapper-url', url)
  assert.equal(badTime.code, 1)
  assert.match(badTime.stderr, /query\.from: "yesterday"/)
  const unknown = await podmap('frobnicate')
  assert.equal(unknown.code, 2)
})
