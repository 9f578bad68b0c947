import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapQuery, readView, writeView } from '../../../mapper/web/url-state.js'
import { findWorkload } from '../../../mapper/web/search.js'
import { identityRef, parseIdentityRef, idKey } from '../../../mapper/web/identity.js'
import { deniedFrom } from '../../../mapper/web/api.js'
import { deniedText } from '../../../mapper/web/details.js'

test('a view survives the trip through a link: filters, opened namespaces, focus', () => {
  const v = { namespace: 'shop', since: '1h', expand: ['payments', 'identity'], focus: 'Deployment/shop/checkout' }
  const qs = writeView(v)
  assert.equal(qs, 'namespace=shop&since=1h&expand=identity,payments&focus=Deployment/shop/checkout')
  assert.deepEqual(readView(`?${qs}`), { ...v, expand: ['identity', 'payments'] })
  assert.equal(writeView(readView('')), '')
  // Repeated and comma-separated forms read the same; blanks are dropped.
  assert.deepEqual(readView('?expand=b,a&expand=c,,a').expand, ['a', 'b', 'c'])
  assert.equal(mapQuery(v).toString(), 'namespace=shop&since=1h')
})

test('identity references: kind/namespace/name, and kind//name without a namespace', () => {
  for (const id of [{ kind: 'Deployment', namespace: 'shop', name: 'checkout' }, { kind: 'External', name: 'api.partner.example' }]) {
    assert.deepEqual(parseIdentityRef(identityRef(id)), id)
  }
  assert.equal(identityRef({ kind: 'External', name: 'a.example' }), 'External//a.example')
  assert.equal(parseIdentityRef('not a ref'), undefined)
  assert.equal(idKey(parseIdentityRef('StatefulSet/db/ledger') as { kind: string, name: string }), 'StatefulSet db/ledger')
})

test('a workload is found by its full name, its reference, namespace/name, its name, or a unique part of it', () => {
  const ws = [
    { key: 'Deployment shop/checkout', id: { kind: 'Deployment', namespace: 'shop', name: 'checkout' } },
    { key: 'Deployment shop/checkout-worker', id: { kind: 'Deployment', namespace: 'shop', name: 'checkout-worker' } },
    { key: 'Deployment other/checkout', id: { kind: 'Deployment', namespace: 'other', name: 'checkout' } },
    { key: 'External api.partner.example', id: { kind: 'External', name: 'api.partner.example' } }
  ]
  assert.equal(findWorkload(ws, 'Deployment shop/checkout').match, 'Deployment shop/checkout')
  assert.equal(findWorkload(ws, 'Deployment/shop/checkout').match, 'Deployment shop/checkout')
  assert.equal(findWorkload(ws, 'shop/checkout').match, 'Deployment shop/checkout')
  assert.equal(findWorkload(ws, ' worker ').match, 'Deployment shop/checkout-worker')
  assert.equal(findWorkload(ws, 'PARTNER').match, 'External api.partner.example')
  assert.deepEqual(findWorkload(ws, 'checkout'), { candidates: ['Deployment other/checkout', 'Deployment shop/checkout'] })
  assert.deepEqual(findWorkload(ws, 'nothing'), { candidates: [] })
  assert.deepEqual(findWorkload(ws, ''), { candidates: [] })
})

test('shadow verdicts become reasons per call, malformed entries skipped', () => {
  const denied = deniedFrom({
    denied: [
      { client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' }, server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger', service: 'ledger' },
        port: { port: 5432, protocol: 'TCP' }, deniedBy: [{ direction: 'ingress', namespace: 'db', policies: ['db/ledger-ingress'] }, { direction: 'egress', namespace: 'batch', policies: [] }] },
      { client: { kind: 'CronJob', namespace: 'batch', name: 'nightly' }, server: { kind: 'StatefulSet', namespace: 'db', name: 'ledger' }, deniedBy: [] },
      { client: null, server: {} }, 'junk'
    ]
  })
  assert.deepEqual([...denied.keys()], ['CronJob batch/nightly -> StatefulSet db/ledger'])
  assert.equal(deniedText(denied.get('CronJob batch/nightly -> StatefulSet db/ledger') ?? []),
    '5432/TCP by ingress (db/ledger-ingress); egress (namespace batch); any port')
  assert.equal(deniedFrom(undefined).size, 0)
})
