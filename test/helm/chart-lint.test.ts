import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { CHART, helm } from './helm-cli.js'

const CUSTOM = join(import.meta.dirname, 'fixtures', 'custom-values.yaml')

for (const [label, extra] of [['default values', []], ['custom values', ['--values', CUSTOM]]] as const) {
  test(`helm lint --strict passes with no warnings (${label})`, async () => {
    const res = await helm(['lint', '--strict', CHART, ...extra])
    assert.equal(res.code, 0, res.stdout + res.stderr)
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/)
    assert.doesNotMatch(res.stdout + res.stderr, /\[(WARNING|ERROR)\]/)
  })
}

test('NOTES print the port-forward and curl commands for the map and the metrics', async () => {
  const res = await helm(['install', 'podmap', CHART, '--namespace', 'podmap', '--dry-run=client'])
  assert.equal(res.code, 0, res.stderr)
  const notes = res.stdout.slice(res.stdout.indexOf('NOTES:'))
  assert.ok(notes.length > 6, 'NOTES rendered')
  assert.match(notes, /kubectl --namespace podmap port-forward service\/podmap-mapper 9090:9090/)
  assert.match(notes, /curl -s http:\/\/127\.0\.0\.1:9090\/api\/v1\/map/)
  assert.match(notes, /curl -s http:\/\/127\.0\.0\.1:9090\/metrics/)
  assert.match(notes, /port-forward daemonset\/podmap-sniffer 9476:9476/)
  assert.match(notes, /persistence is disabled.*emptyDir/s)
})

test('NOTES name the claim when persistence is on', async () => {
  const res = await helm(['install', 'podmap', CHART, '--namespace', 'podmap', '--dry-run=client', '--set', 'mapper.persistence.enabled=true'])
  assert.equal(res.code, 0, res.stderr)
  assert.match(res.stdout, /stored on the PersistentVolumeClaim podmap-mapper-state/)
  assert.doesNotMatch(res.stdout, /persistence is disabled/)
})
