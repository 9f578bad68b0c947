import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { CHART, TEST_REGISTRY_VALUES, helm } from './helm-cli.js'

const CUSTOM = join(import.meta.dirname, 'fixtures', 'custom-values.yaml')

for (const [label, extra] of [['default values', []], ['custom values', ['--values', CUSTOM]]] as const) {
  test(`helm lint --strict passes with no warnings (${label})`, async () => {
    const res = await helm(['lint', '--strict', CHART, '--values', TEST_REGISTRY_VALUES, ...extra])
    assert.equal(res.code, 0, res.stdout + res.stderr)
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/)
    assert.doesNotMatch(res.stdout + res.stderr, /\[(WARNING|ERROR)\]/)
  })
}

test('NOTES print the port-forward and curl commands for the map and the metrics', async () => {
  const res = await helm(['install', 'podmap', CHART, '--namespace', 'podmap', '--values', TEST_REGISTRY_VALUES, '--dry-run=client'])
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
  const res = await helm(['install', 'podmap', CHART, '--namespace', 'podmap', '--values', TEST_REGISTRY_VALUES, '--dry-run=client', '--set', 'mapper.persistence.enabled=true'])
  assert.equal(res.code, 0, res.stderr)
  assert.match(res.stdout, /stored on the PersistentVolumeClaim podmap-mapper-state/)
  assert.doesNotMatch(res.stdout, /persistence is disabled/)
})

test('without a registry the chart refuses to render and says which value to set', async () => {
  const res = await helm(['template', 'podmap', CHART, '--namespace', 'podmap'])
  assert.notEqual(res.code, 0, 'rendered without a registry')
  assert.match(res.stderr, /no registry for the image podmap\/podmap-(sniffer|mapper): set global\.imageRegistry/)
  const one = await helm(['template', 'podmap', CHART, '--namespace', 'podmap', '--set', 'sniffer.image.registry=registry.test'])
  assert.match(one.stderr, /no registry for the image podmap\/podmap-mapper/, 'each image needs one')
})
