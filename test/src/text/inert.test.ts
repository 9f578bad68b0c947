/** Untrusted names made inert for every output (src/text/inert.ts, cli/inert-output.ts). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'yaml'
import { hasUnsafe, inert, inertJson } from '../../../src/text/inert.js'
import { jsonOut, yamlOut } from '../../../cli/inert-output.js'
import { renderMapTable } from '../../../cli/render-table.js'

const HOSTILE = 'evil\u001b[2J\u0007\nfake row\r\u0000\u202etxt.exe\u200b\u0085\ud800'

test('inert: controls, bidi and invisible characters become visible escapes; printable text, non-Latin letters included, is unchanged', () => {
  assert.equal(inert(HOSTILE), 'evil\\x1B[2J\\x07\\x0Afake row\\x0D\\x00\\u202Etxt.exe\\u200B\\x85\\uD800')
  assert.ok(!hasUnsafe(inert(HOSTILE)))
  for (const ok of ['checkout', 'café-ü', '日本語', 'a "quoted" <b>', '😀']) { assert.equal(inert(ok), ok); assert.equal(hasUnsafe(ok), false) }
  assert.notEqual(inert('a\u202eb'), inert('a\u202db'), 'distinct names stay distinct')
})

test('CLI JSON and YAML: the same values for a parser, no raw control or bidi character on the terminal', () => {
  const value = { edges: [{ client: { kind: 'Deployment', namespace: 'shop', name: HOSTILE }, plain: 'ok: yes' }] }
  for (const text of [jsonOut(value), yamlOut(value)]) {
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/.test(text), JSON.stringify(text))
  }
  assert.deepEqual(JSON.parse(jsonOut(value)), value)
  assert.deepEqual(parse(yamlOut(value)), parse(yamlOut(parse(yamlOut(value)))), 'YAML round-trips')
  assert.equal((parse(yamlOut(value)) as typeof value).edges[0]?.client.name.slice(0, 12), HOSTILE.slice(0, 12))
  assert.equal(inertJson('"\u2028"'), '"\\u2028"')
})

test('podmap list table: a name cannot clear the screen or forge a line', () => {
  const at = '2026-11-26T12:00:00.000Z'
  const table = renderMapTable([{ client: { kind: 'Deployment', namespace: 'shop', name: HOSTILE }, server: { kind: 'External', name: 'x\n+ Deployment shop/forged' }, ports: [], evidence: ['dns'], firstSeen: at, lastSeen: at }])
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/.test(table))
  assert.equal(table.trimEnd().split('\n').length, 2, table)
})
