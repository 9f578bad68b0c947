/**
 * Bad input, reports: mutated, malformed and oversized bodies against POST /api/v1/reports through
 * inject(): every rejected body is a 4xx with a code and a message, never a 5xx, and the stored map
 * is byte-for-byte unchanged by it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MAX_RECORDS_PER_KIND, reportSchema } from '../../src/contract/report.js'
import { appFixture, auth, validReport } from './app-fixture.js'
import { SOAK, fmt, recordFigure, seed } from './figures.js'

const RUNS = SOAK ? 50_000 : 3_000
const SEED = seed(4242)

type Json = unknown
type Body = { kind: string, payload: string, contentType: string }

/** Set `value` at the path picked by `pick` (an index into every path of the object). */
function mutateAt (obj: Json, pick: number, value: Json, remove: boolean): Json {
  const paths: Array<Array<string | number>> = []
  const walk = (v: Json, p: Array<string | number>): void => {
    paths.push(p)
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]))
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, Json>)[k], [...p, k])
  }
  walk(obj, [])
  const path = paths[pick % paths.length]!
  if (path.length === 0) return value
  const copy = structuredClone(obj) as Record<string | number, Json>
  let parent: Record<string | number, Json> = copy
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>
  const last = path[path.length - 1]!
  if (remove) {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else parent[last] = value
  return copy
}

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(null, true, -1, 0, 1.5, 2 ** 53, -0, '', 'x'.repeat(300), '10.0.0.1', '::1', '999.1.1.1', 70000, 'TCP', 'SCTP', [], {}, [[[[]]]]),
  fc.jsonValue({ maxDepth: 3 })
)

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(), weird, fc.boolean()).map(([pick, value, remove]) => ({ kind: remove ? 'field-removed' : 'field-replaced', payload: JSON.stringify(mutateAt(validReport(), pick, value, remove)), contentType: 'application/json' })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat(255)).map(([at, byte]) => { const s = Buffer.from(JSON.stringify(validReport())); s[at % s.length] = byte; return { kind: 'byte-flipped', payload: s.toString('latin1'), contentType: 'application/json' } }) },
  { weight: 1, arbitrary: fc.nat().map((n) => { const s = JSON.stringify(validReport()); return { kind: 'truncated', payload: s.slice(0, n % s.length), contentType: 'application/json' } }) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => ({ kind: 'random-json', payload: JSON.stringify(v), contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream').map((ct) => ({ kind: 'wrong-content-type', payload: JSON.stringify(validReport()), contentType: ct })) },
  { weight: 1, arbitrary: fc.constantFrom(
    { kind: 'proto-pollution', payload: `{"__proto__":{"polluted":1},"version":1,"node":"n","sentAt":1,"dns":[],"sockets":[]}`, contentType: 'application/json' },
    { kind: 'constructor-pollution', payload: `{"constructor":{"prototype":{"polluted":1}},"version":1,"node":"n","sentAt":1,"dns":[],"sockets":[]}`, contentType: 'application/json' },
    { kind: 'deep-nesting', payload: '['.repeat(5000) + ']'.repeat(5000), contentType: 'application/json' },
    { kind: 'empty', payload: '', contentType: 'application/json' }
  ) }
)

test('mutated report bodies: every rejection is a 4xx with a reason, never a 5xx, and the map is unchanged', async () => {
  const { app, store } = await appFixture()
  // Something in the map first, so "unchanged" compares real content.
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: validReport() })).statusCode, 200)
  const statuses: Record<string, number> = {}
  const kinds: Record<string, number> = {}
  let rejected = 0
  let accepted = 0
  await fc.assert(fc.asyncProperty(body, async (b) => {
    kinds[b.kind] = (kinds[b.kind] ?? 0) + 1
    const before = JSON.stringify(store.list())
    const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...auth, 'content-type': b.contentType }, payload: b.payload })
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
    assert.ok(res.statusCode < 500, `${b.kind} got ${res.statusCode}: ${res.body}`)
    if (res.statusCode === 200) {
      accepted++
      // Only a body the contract accepts may be accepted.
      assert.ok(reportSchema.safeParse(JSON.parse(b.payload)).success, `${b.kind} accepted: ${b.payload.slice(0, 200)}`)
      return
    }
    rejected++
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${b.kind}: ${res.statusCode}`)
    const err = res.json() as { code?: unknown, message?: unknown }
    assert.equal(typeof err.code, 'string')
    assert.ok(typeof err.message === 'string' && err.message.length > 0, `a reason for ${b.kind}`)
    assert.equal(JSON.stringify(store.list()), before, `${b.kind} changed the map`)
  }), { seed: SEED, numRuns: RUNS })
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
  assert.ok(rejected > RUNS * 0.8, `most mutations are invalid (${rejected} of ${RUNS})`)
  for (const k of ['field-removed', 'field-replaced', 'byte-flipped', 'truncated', 'random-json', 'wrong-content-type', 'proto-pollution']) assert.ok((kinds[k] ?? 0) > 0, `${k} tried`)
  recordFigure({
    area: 'bad input',
    test: 'reports: mutated bodies against POST /api/v1/reports',
    figure: `${fmt(RUNS)} bodies (seed ${SEED}): ${fmt(rejected)} rejected (${Object.entries(statuses).filter(([s]) => s !== '200').map(([s, n]) => `${n}x${s}`).join(', ')}), ${fmt(accepted)} still valid and accepted, 0 5xx, map unchanged by every rejection`,
    inputs: RUNS,
    file: 'test/reliability/reports.test.ts'
  })
})

test('oversized bodies are 413 and over-long batches 400, never 5xx, map unchanged', async () => {
  const { app, store } = await appFixture({ bodyLimit: 8 * 1024 * 1024 })
  const before = JSON.stringify(store.list())
  const r = validReport()
  const record = r.dns[0]!
  const tooMany = { ...r, dns: Array.from({ length: MAX_RECORDS_PER_KIND + 1 }, () => record) }
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: tooMany })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().message, /body\.dns/)
  const atLimit = { ...r, dns: Array.from({ length: MAX_RECORDS_PER_KIND }, () => record) }
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: atLimit })).statusCode, 200, 'exactly the limit is accepted')
  const afterLimit = JSON.stringify(store.list())

  const huge = JSON.stringify({ ...r, node: 'x'.repeat(9 * 1024 * 1024) })
  const res2 = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...auth, 'content-type': 'application/json' }, payload: huge })
  assert.equal(res2.statusCode, 413)
  assert.equal(res2.json().code, 'PODMAP_ERR_TOO_LARGE')
  const longName = { ...r, node: 'n'.repeat(254) }
  const res3 = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: auth, payload: longName })
  assert.equal(res3.statusCode, 400)
  assert.match(res3.json().message, /body\.node/)
  assert.equal(JSON.stringify(store.list()), afterLimit)
  assert.notEqual(afterLimit, before)
  recordFigure({
    area: 'bad input',
    test: 'reports: batch and body size limits',
    figure: `${fmt(MAX_RECORDS_PER_KIND + 1)} records -> 400 naming body.dns; ${fmt(MAX_RECORDS_PER_KIND)} -> 200; 9 MiB body over an 8 MiB limit -> 413; map unchanged by each rejection`,
    inputs: 4,
    file: 'test/reliability/reports.test.ts'
  })
})
