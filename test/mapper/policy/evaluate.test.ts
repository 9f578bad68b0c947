/**
 * The NetworkPolicy evaluator against the table (table-cases.ts): the upstream examples and the
 * well-known recipes, each with its expected verdict per direction.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { evaluateCall, policyTypesOf } from '../../../mapper/policy/evaluate.js'
import { allowAllEgress, cases, db, denyAll, docsExample, egressWithoutTypes, frontend, np, orPeers, tcp, web } from './table-cases.js'

for (const c of cases) {
  test(c.name, () => {
    const v = evaluateCall(c.policies, c.client, c.server, c.port)
    assert.equal(v.allowed, c.allowed, JSON.stringify(v))
    const denies = [...(v.egress.allowed ? [] : ['egress']), ...(v.ingress.allowed ? [] : ['ingress'])]
    assert.deepEqual(denies, c.denies ?? [])
  })
}

test('policyTypes default: Ingress always, Egress only with egress rules; an explicit list wins', () => {
  assert.deepEqual([...policyTypesOf(np('a', 'b', { podSelector: {} }))], ['Ingress'])
  assert.deepEqual([...policyTypesOf(np('a', 'b', { podSelector: {}, egress: [] }))], ['Ingress'])
  assert.deepEqual([...policyTypesOf(np('a', 'b', { podSelector: {}, egress: [{}] }))].sort(), ['Egress', 'Ingress'])
  assert.deepEqual([...policyTypesOf(np('a', 'b', { podSelector: {}, ingress: [{}], policyTypes: ['Egress'] }))], ['Egress'])
})

test('the verdict names the policies selecting each side', () => {
  const v = evaluateCall([denyAll, docsExample], frontend, db, tcp(6379))
  assert.deepEqual(v.egress.policies, ['default/default-deny-all'])
  assert.deepEqual(v.ingress.policies, ['default/default-deny-all', 'default/test-network-policy'])
  assert.equal(v.egress.allowed, false)
  assert.equal(v.ingress.allowed, true)
})

test('an allowed call names the policy and the rule (index in ingress or egress) that let it through, per side', () => {
  const second = np('default', 'web-second-rule', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'db' } } }] }, { from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 8080 }] }]
  })
  const v = evaluateCall([egressWithoutTypes, second, orPeers], frontend, web, tcp(8080))
  assert.equal(v.allowed, false, 'egressWithoutTypes lets frontend reach role=db only')
  assert.deepEqual(v.ingress.allowedBy, { policy: 'default/web-or', rule: 0 }, 'policies in name order: web-or before web-second-rule')
  assert.equal(v.egress.allowedBy, undefined)
  const w = evaluateCall([second, allowAllEgress], frontend, web, tcp(8080))
  assert.deepEqual([w.ingress.allowedBy, w.egress.allowedBy], [{ policy: 'default/web-second-rule', rule: 1 }, { policy: 'default/allow-all-egress', rule: 0 }])
  assert.equal(evaluateCall([], frontend, web, tcp(8080)).ingress.allowedBy, undefined, 'a side no policy selects is open: no rule to name')
})
