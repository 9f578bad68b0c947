import { test } from 'node:test'
import assert from 'node:assert/strict'
import { auditFailureReason } from './audit-reason.js'

test('an HTTP refusal is recorded as its status and reason, without the URL', () => {
  const reason = auditFailureReason({ statusCode: 405, message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', error: { summary: '', code: undefined } }, 1)
  assert.equal(reason, '405 Method Not Allowed')
  assert.equal(auditFailureReason({ statusCode: 503 }, 1), 'HTTP 503')
})

test('a network error is recorded as its code only (no host), anything else as the exit code', () => {
  assert.equal(auditFailureReason({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.example' } }, 1), 'ENOTFOUND')
  assert.equal(auditFailureReason({ code: 'ECONNREFUSED' }, 1), 'ECONNREFUSED')
  assert.equal(auditFailureReason({ error: { code: 'see https://registry.example' } }, 7), 'npm audit exited 7 without a status')
})
