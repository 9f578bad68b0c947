/** Which DNS names may become an FQDN rule: hostnames only (resolve/hostname.ts). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { refuseHostname } from '../../../mapper/resolve/hostname.js'

test('hostnames pass; wildcards, empty labels, non-LDH bytes, single labels and numeric tops are refused with their reason', () => {
  for (const ok of ['api.partner.example', 'a.b', 'xn--bcher-kva.example', 'a-1.b-2.example', `${'a'.repeat(63)}.example`]) {
    assert.equal(refuseHostname(ok), undefined, ok)
  }
  const cases: Array<[string, string]> = [
    ['*', 'name-wildcard'], ['*.com', 'name-wildcard'], ['a.*.example', 'name-wildcard'],
    ['a..example', 'name-empty-label'], ['.example', 'name-empty-label'], ['', 'name-empty-label'],
    ['under_score.example', 'name-not-ldh'], ['-a.example', 'name-not-ldh'], ['a-.example', 'name-not-ldh'],
    ['a b.example', 'name-not-ldh'], ['x\u001b[2j.example', 'name-not-ldh'], ['nul\u0000.example', 'name-not-ldh'], ['é.example', 'name-not-ldh'],
    [`${'a'.repeat(64)}.example`, 'name-too-long'], [`${'a.'.repeat(127)}example`, 'name-too-long'],
    ['localhost', 'name-single-label'], ['1.2.3.4', 'name-numeric'], ['host.123', 'name-numeric']
  ]
  for (const [name, reason] of cases) assert.equal(refuseHostname(name), reason, JSON.stringify(name))
})
