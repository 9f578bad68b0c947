/**
 * `npm audit --omit=dev --audit-level=high` is clean. It needs the registry's audit endpoint (a POST),
 * so it is not part of `npm test` (named *.audit-test.ts, outside run-tests.mjs's *.test.ts): it runs
 * from `npm run reliability`, and in CI where the public registry answers. If the endpoint does not
 * answer, the test fails and says why.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { recordFigure } from './figures.js'
import { auditFailureReason, type AuditErrorReport } from './audit-reason.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test('npm audit --omit=dev: no high or critical advisories', async () => {
  const out = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve) => {
    execFile('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { cwd: ROOT, timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
  let report: AuditErrorReport & { metadata?: { vulnerabilities?: Record<string, number> }, vulnerabilities?: Record<string, { severity: string }> }
  try { report = JSON.parse(out.stdout) } catch { assert.fail(`npm audit gave no JSON (registry unreachable?): exit ${out.code}`) }
  if (report.metadata === undefined) {
    // Status and reason only: RELIABILITY.md names no registry address (test/reliability/audit-reason.ts).
    const reason = auditFailureReason(report, out.code)
    recordFigure({ area: 'security', test: 'npm audit --omit=dev: no high or critical advisories', figure: `FAILED, not checked: the registry's audit endpoint gave no report (${reason})`, file: 'test/reliability/npm-audit.audit-test.ts' })
    assert.fail(`the registry's audit endpoint did not answer with a report: ${reason}`)
  }
  const v = report.metadata?.vulnerabilities
  assert.ok(v, `npm audit answered without figures: ${out.stdout.slice(0, 300)}`)
  const highs = Object.entries(report.vulnerabilities ?? {}).filter(([, x]) => x.severity === 'high' || x.severity === 'critical').map(([n]) => n)
  assert.deepEqual(highs, [], 'high/critical advisories in production dependencies')
  assert.equal((v.high ?? 0) + (v.critical ?? 0), 0)
  recordFigure({ area: 'security', test: 'npm audit --omit=dev: no high or critical advisories', figure: `0 high, 0 critical (${v.moderate ?? 0} moderate, ${v.low ?? 0} low)`, file: 'test/reliability/npm-audit.audit-test.ts' })
})

