#!/usr/bin/env node
// The security table of RELIABILITY.md: each attack of issue #17, what happens now, and the test
// that shows it (test/reliability/attacks.json). scripts/reliability.mjs writes it after the figures;
// `node scripts/attack-table.mjs` rewrites only this section in place (no test run).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('..', import.meta.url)
export const BEGIN = '<!-- attacks: generated from test/reliability/attacks.json -->'
export const END = '<!-- /attacks -->'

const cell = (v) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The section as markdown lines; `outcomes` (test name -> pass/FAIL) adds a status column after a run. */
export function attackTable (outcomes) {
  const attacks = JSON.parse(readFileSync(new URL('test/reliability/attacks.json', ROOT), 'utf8'))
  const status = (a) => outcomes ? ` ${cell(outcomes.get(a.test) ?? 'not run')} |` : ''
  return [
    BEGIN,
    '## Security: the attacks of issue #17',
    '',
    'Each attack found against a running mapper and sniffer, what happens now, and the test that repeats it (all run in `npm test`).',
    '',
    `| Attack | Result | Test | Where |${outcomes ? ' Status |' : ''}`,
    `|---|---|---|---|${outcomes ? '---|' : ''}`,
    ...attacks.map((a) => `| ${cell(a.attack)} | ${cell(a.result)} | ${cell(a.test)} | ${cell(a.file)} |${status(a)}`),
    END
  ]
}

/** `md` with the section replaced (or appended when absent). */
export function withAttackTable (md, outcomes) {
  const section = attackTable(outcomes).join('\n')
  const start = md.indexOf(BEGIN)
  const end = md.indexOf(END)
  if (start === -1 || end === -1) return `${md.trimEnd()}\n\n${section}\n`
  return md.slice(0, start) + section + md.slice(end + END.length)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = new URL('RELIABILITY.md', ROOT)
  writeFileSync(file, withAttackTable(readFileSync(file, 'utf8')))
  console.log('attack-table: RELIABILITY.md security section written')
}
