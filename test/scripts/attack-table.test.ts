/** RELIABILITY.md's security table stays true: every attack names a test that exists, in a file npm test runs, and the table shows each. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BEGIN, END } from '../../scripts/attack-table.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const attacks = JSON.parse(readFileSync(`${ROOT}/test/reliability/attacks.json`, 'utf8')) as Array<{ attack: string, result: string, test: string, file: string }>

test('every attack of #17 names an existing test, and RELIABILITY.md shows each', () => {
  assert.ok(attacks.length >= 20)
  const md = readFileSync(`${ROOT}/RELIABILITY.md`, 'utf8')
  const section = md.slice(md.indexOf(BEGIN as string), md.indexOf(END as string))
  assert.ok(section.length > 0, 'RELIABILITY.md has the section: run node scripts/attack-table.mjs')
  for (const a of attacks) {
    assert.ok(a.file.endsWith('.test.ts') && existsSync(`${ROOT}/${a.file}`), a.file)
    const src = readFileSync(`${ROOT}/${a.file}`, 'utf8').replace(/\\'/g, '\'')
    assert.ok([`test('${a.test}'`, `it('${a.test}'`, 'test(`' + a.test + '`'].some((s) => src.includes(s)), `${a.file} has a test named ${JSON.stringify(a.test)}`)
    assert.ok(section.includes(a.attack.replace(/\|/g, '\\|')), `RELIABILITY.md shows: ${a.attack}`)
  }
})
