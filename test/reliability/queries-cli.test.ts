/**
 * Bad input, queries and flags: bad query parameters on GET /api/v1/map are a 400 naming the
 * parameter, never a 5xx; bad CLI flags and values print one clear first line and exit 2 (bad
 * usage), an unreachable mapper exits 1.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { appFixture, auth, validReport } from './app-fixture.js'
import { SOAK, fmt, recordFigure, seed } from './figures.js'

const BIN = fileURLToPath(new URL('../../bin/podmap.js', import.meta.url))
const RUNS = SOAK ? 20_000 : 2_000
const SEED = seed(99)

test('query parameters: random query strings are 200 or a 400 naming the parameter, never 5xx', async () => {
  const { app } = await appFixture()
  await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: validReport() })
  const fixed: Array<[string, number, RegExp?]> = [
    ['?namespace=Bad_Name', 400, /query\.namespace/],
    [`?namespace=${'a'.repeat(64)}`, 400, /query\.namespace/],
    ['?namespace=shop&namespace=-x', 400, /query\.namespace/],
    ['?since=yesterday', 400, /query\.since/],
    ['?since=1h&until=2h', 400, /query\.since/],
    ['?labelSelector=app%20in%20(', 400, /query\.labelSelector/],
    [`?labelSelector=${'a'.repeat(2000)}`, 400, /query\.labelSelector/],
    ['?namespace=%E0%A4%A', 400],
    ['?namespace=shop', 200],
    ['?namespace=', 200]
  ]
  let bad = 0
  for (const [qs, status, re] of fixed) {
    const res = await app.inject(`/api/v1/map${qs}`)
    assert.equal(res.statusCode, status, `${qs}: ${res.body}`)
    if (status === 400) {
      bad++
      assert.ok(res.json().message.length > 0)
      if (re) assert.match(res.json().message, re)
    }
  }
  const part = fc.tuple(fc.constantFrom('namespace', 'labelSelector', 'since', 'until', 'ns', '', '__proto__'), fc.string({ maxLength: 80 }), fc.boolean())
  await fc.assert(fc.asyncProperty(fc.array(part, { maxLength: 4 }), async (parts) => {
    const qs = parts.map(([k, v, raw]) => `${k}=${raw ? v.replace(/[&#\s]/g, '') : encodeURIComponent(v)}`).join('&')
    const res = await app.inject(`/api/v1/map?${qs}`)
    assert.ok(res.statusCode === 200 || res.statusCode === 400, `?${qs} -> ${res.statusCode} ${res.body}`)
    if (res.statusCode === 400) { bad++; assert.ok(typeof res.json().message === 'string' && res.json().message.length > 0) }
  }), { seed: SEED, numRuns: RUNS })
  recordFigure({
    area: 'bad input',
    test: 'query parameters on GET /api/v1/map',
    figure: `${fmt(RUNS + fixed.length)} query strings (seed ${SEED}): ${fmt(bad)} answered 400 with the parameter named, the rest 200, 0 5xx`,
    inputs: RUNS + fixed.length,
    file: 'test/reliability/queries-cli.test.ts'
  })
})

function run (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-podmap-home' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

test('CLI flags: bad flags and values give one clear first line and exit 2; an unreachable mapper exits 1', async () => {
  const cases: Array<{ args: string[], code: number, first: RegExp }> = [
    { args: ['list', '--bogus', '--mapper-url', 'http://127.0.0.1:9'], code: 2, first: /^podmap list: invalid configuration/ },
    { args: ['list', '--mapper-url', 'not a url'], code: 2, first: /^podmap list: invalid configuration/ },
    { args: ['list', '--mapper-url', 'http://127.0.0.1:9', '-o', 'xml'], code: 2, first: /^podmap list: invalid configuration/ },
    { args: ['list'], code: 1, first: /^podmap list: no kubeconfig to find the mapper with/ },
    { args: ['nosuchcommand'], code: 2, first: /^podmap: unknown command "nosuchcommand"/ },
    { args: ['mapper', '--port', '99999', '--token-file', '/nonexistent'], code: 1, first: /^podmap mapper: invalid configuration/ },
    { args: ['sniffer', '--report-interval', 'soon'], code: 1, first: /^podmap sniffer: invalid configuration/ },
    { args: ['list', '--mapper-url', 'http://127.0.0.1:9'], code: 1, first: /^podmap list: cannot reach the mapper at http:\/\/127\.0\.0\.1:9/ },
    { args: ['list', '--mapper-url', 'http://127.0.0.1:9', '--read-token-file', '/nonexistent/token'], code: 1, first: /^podmap list: .*\/nonexistent\/token/ }
  ]
  const results = await Promise.all(cases.map(async (c) => ({ c, r: await run(c.args) })))
  for (const { c, r } of results) {
    const first = r.stderr.split('\n')[0] ?? ''
    assert.equal(r.code, c.code, `${c.args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`)
    assert.match(first, c.first, `${c.args.join(' ')}: ${r.stderr}`)
    assert.ok(!/\n\s+at .*\(.*:\d+:\d+\)/.test(r.stderr), `${c.args.join(' ')}: no stack trace: ${r.stderr}`)
    assert.equal(r.stdout, '')
  }
  // Each flag problem is named, not just "invalid".
  assert.match(results[0]!.r.stderr, /--bogus: unknown option/)
  assert.match(results[2]!.r.stderr, /--output/)
  assert.match(results[5]!.r.stderr, /--port/)
  recordFigure({
    area: 'bad input',
    test: 'CLI flags and values',
    figure: `${cases.length} bad invocations: each one clear first line naming the problem, no stack trace; exit 2 for usage, 1 for config/unreachable`,
    inputs: cases.length,
    file: 'test/reliability/queries-cli.test.ts'
  })
})
