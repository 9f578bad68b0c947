/**
 * The mapper's API fuzzed by schemathesis (PyPI, installed by `npm run setup`, scripts/install-judges.sh)
 * from the mapper's own OpenAPI document (GET /api/v1/openapi.json, generated from the zod route
 * schemas): the real `podmap mapper` process on loopback, with a report token and a read token (each
 * route gets the one its security scheme names), against a small cluster (the fake API server with
 * the shop's objects) and a map holding one call. Every route, every phase (examples, coverage,
 * fuzzing, stateful with the links schemathesis infers), and the checks: no 5xx, responses conform
 * to their schemas, status codes documented, content types and headers right. A fixed seed and a
 * bounded number of cases per operation here; `npm run reliability -- --soak` runs ten times as many.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startFakeApiServer, type FakeApiServer, type KubeObj } from '../testbed/fake-apiserver.js'
import { shopObjects } from '../mapper/fixtures.js'
import { startMapperProcess, type MapperProcess } from '../reliability/mapper-process.js'
import { validReport } from '../reliability/app-fixture.js'
import { recordFigure, RELIABILITY_RUN, SOAK, seed, fmt } from '../reliability/figures.js'
import { pinnedVersions } from '../testbed/control-plane/binaries.js'

const SCHEMATHESIS = fileURLToPath(new URL('../../.tools/bin/schemathesis', import.meta.url))
const FILE = 'test/judges/schemathesis.test.ts'
export const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance']
const READ_TOKEN = 'judges-read-token-0123456789'

// What the first runs found, each fixed in the OpenAPI document (regression tests: test/mapper/openapi-conformance.test.ts).
const FOUND = [
  'ST103 undocumented status code: GET /api/v1/map answered 401 without a token, documented 200 and 400 only; every guarded route now documents its 401 (added by the access hook, which already knew the route needs a token)',
  'ST105 undocumented content type: GET /metrics answers text/plain, documented application/json; now documented text/plain',
  'ST108 response violates schema: GET /api/v1/export?format=json (YAML) was documented as a JSON string, so a client reading YAML got an object; now documented as any YAML value',
  'one bearer scheme for two tokens: schemathesis (like any client) could not tell which token a route needs (read routes refused the report token with 401); two schemes now, readToken and reportToken'
]

let api: FakeApiServer
let mapper: MapperProcess
let dir: string

before(async () => {
  try { accessSync(SCHEMATHESIS, constants.X_OK) } catch { throw new Error(`${SCHEMATHESIS} is missing: run \`npm run setup\` (scripts/install-judges.sh installs schemathesis)`) }
  dir = mkdtempSync(join(tmpdir(), 'podmap-schemathesis-'))
  api = await startFakeApiServer()
  api.load(shopObjects().map(([, o]) => structuredClone(o) as KubeObj))
  mapper = await startMapperProcess(api, ['--read-token-file', '{dir}/read-token', '--report-rate', '0', '--log-level', 'warn'], { 'read-token': `${READ_TOKEN}\n` }, 120_000)
  const res = await fetch(`${mapper.url}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${mapper.token}` }, body: JSON.stringify(validReport()) })
  assert.equal(res.status, 200, await res.text())
})

after(async () => {
  await mapper?.cleanup()
  await api?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// Run in the temporary directory: schemathesis keeps a cache (.schemathesis/) in its working directory.
function schemathesis (args: string[]): Promise<{ code: number, out: string }> {
  return new Promise((resolve) => {
    execFile(SCHEMATHESIS, args, { cwd: dir, maxBuffer: 64 << 20, timeout: 40 * 60_000, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, out: `${stdout}${stderr}` })
    })
  })
}

test('schemathesis finds no failure: no 5xx, every response in its documented schema, status code and content type (fixed seed, every route, with both tokens)', async () => {
  const s = seed(1)
  const examples = SOAK ? 250 : RELIABILITY_RUN ? 100 : 25
  const config = join(dir, 'schemathesis.toml')
  writeFileSync(config, [
    `seed = ${s}`,
    '[auth.openapi.readToken]', `bearer = "${READ_TOKEN}"`,
    '[auth.openapi.reportToken]', `bearer = "${mapper.token}"`,
    '[generation]', `max-examples = ${examples}`, ''
  ].join('\n'))
  const { code, out } = await schemathesis(['--config-file', config, 'run', `${mapper.url}/api/v1/openapi.json`, '--checks', CHECKS.join(','), '--workers', '1', '--report', 'junit', '--report-dir', join(dir, 'report')])
  const cases = /(\d+) generated/.exec(out)?.[1]
  const failures = /found (\d+) unique failures/.exec(out)?.[1] ?? '0'
  const operations = /Tested: (\d+)/.exec(out)?.[1]
  recordFigure({
    area: 'judges',
    test: `API fuzzed by schemathesis ${pinnedVersions().SCHEMATHESIS_VERSION ?? ''} from the mapper's own OpenAPI document (seed ${s}, up to ${examples} cases per operation, all phases)`,
    figure: code === 0 ? `${fmt(Number(cases ?? 0))} cases on ${operations ?? '?'} operations: 0 failures` : `FAILED: ${failures} failures in ${cases ?? '?'} cases`,
    inputs: Number(cases ?? 0),
    file: FILE
  })
  assert.equal(code, 0, out.slice(-12_000))
  assert.ok(Number(cases) > 0, out.slice(-2000))
  assert.ok(Number(operations) >= 14, `every operation tested: ${out.slice(-2000)}`)
  // The run is clean: what earlier runs found stays fixed; listed for RELIABILITY.md.
  for (const f of FOUND) recordFigure({ area: 'judges', test: 'found by schemathesis, fixed (regression tests: test/mapper/openapi-conformance.test.ts)', figure: f, file: FILE })
})


