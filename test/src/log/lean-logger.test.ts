import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { createLeanLogger } from '../../../src/log/lean-logger.js'
import { createLogger } from '../../../src/log/logger.js'
import type { Log } from '../../../src/log/log.js'

const SECRET = 'Zz-very-secret-token-42'
const err = Object.assign(new Error('boom', { cause: new TypeError('inner') }), { code: 'E_TEST' })

/** The same calls through a logger; the records it wrote, parsed, without their time. */
function record (make: (sink: { write: (line: string) => unknown }) => Log & { child: (b: Record<string, unknown>) => Log }): Array<Record<string, unknown>> {
  const lines: string[] = []
  const log = make({ write: (line) => lines.push(line) })
  log.info('plain message')
  log.warn({ device: 'any', count: 3 }, 'with fields')
  log.error({ err }, 'with an error')
  log.error(err)
  log.debug({ n: 1 }, 'below the level: not written')
  log.info({ req: { headers: { authorization: `Bearer ${SECRET}`, host: 'x' } } }, 'request')
  log.info({ headers: { authorization: `Bearer ${SECRET}` } }, 'headers')
  log.info({ authorization: `Bearer ${SECRET}` }, 'bare')
  log.info({ token: SECRET }, 'token')
  log.warn({ config: { token: SECRET, url: 'http://m' } }, 'nested')
  log.child({ token: SECRET }).info('child bindings')
  for (const l of lines) assert.ok(!l.includes(SECRET), `leaked: ${l}`)
  return lines.map((l) => {
    assert.ok(l.endsWith('\n'))
    const { time, ...rest } = JSON.parse(l) as Record<string, unknown>
    assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    return rest
  })
}

test('writes what pino writes: levels, fields, messages, errors, redaction, child bindings', () => {
  const pinoRecords = record((sink) => createLogger({ level: 'info', component: 'sniffer', destination: new Writable({ write (c, _e, cb) { sink.write(String(c)); cb() } }) }))
  const leanRecords = record((sink) => createLeanLogger({ level: 'info', component: 'sniffer', destination: sink }))
  assert.equal(leanRecords.length, 10)
  assert.deepEqual(leanRecords, pinoRecords)
  assert.deepEqual(leanRecords[0], { level: 30, component: 'sniffer', msg: 'plain message' })
  assert.equal((leanRecords[2]?.err as { type: string }).type, 'Error')
})

test('levels: silent writes nothing, trace writes everything, an unknown level is refused', () => {
  const lines: string[] = []
  const sink = { write: (l: string) => lines.push(l) }
  createLeanLogger({ level: 'silent', component: 'x', destination: sink }).fatal('no')
  assert.equal(lines.length, 0)
  const all = createLeanLogger({ level: 'trace', component: 'x', destination: sink })
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) all[level](level)
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: number }).level), [10, 20, 30, 40, 50, 60])
  assert.throws(() => createLeanLogger({ level: 'loud', component: 'x' }), /unknown log level "loud"/)
})

test('the caller\'s objects are not changed by redaction', () => {
  const fields = { config: { token: SECRET } }
  createLeanLogger({ level: 'info', component: 'x', destination: { write: () => true } }).info(fields, 'm')
  assert.equal(fields.config.token, SECRET)
})
