import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CHART, TEST_REGISTRY_VALUES, helm } from './helm-cli.js'

/** Each bad value, and the path and message helm must print for it. */
const cases: Array<{ set: string, where: string, says: RegExp }> = [
  { set: 'mapper.replicas=-1', where: '/mapper/replicas', says: /minimum/ },
  { set: 'store.type=sqlite', where: '/store/type', says: /must be one of/ },
  { set: 'store.clusterName=Prod_EU', where: '/store/clusterName', says: /does not match pattern/ },
  { set: 'sniffer.image.pullPolicy=Sometimes', where: '/sniffer/image/pullPolicy', says: /must be one of/ },
  { set: 'sniffer.capabilities[0]=SYS_ADMIN', where: '/sniffer/capabilities/0', says: /must be one of/ },
  { set: 'sniffer.metricsPort=70000', where: '/sniffer/metricsPort', says: /maximum/ },
  { set: 'sniffer.scanInterval=often', where: '/sniffer/scanInterval', says: /does not match pattern/ },
  { set: 'mapper.persistence.size=lots', where: '/mapper/persistence/size', says: /does not match pattern/ },
  { set: 'mapper.logLevel=loud', where: '/mapper/logLevel', says: /must be one of/ },
  { set: 'mapper.runAsUser=0', where: '/mapper/runAsUser', says: /minimum/ },
  { set: 'mapper.replica=1', where: '/mapper', says: /additional properties 'replica' not allowed/ },
  { set: 'global.imageRegistry=https://registry.example', where: '/global/imageRegistry', says: /does not match pattern/ },
  { set: 'mapper.image.registry=registry.example:5000/Team', where: '/mapper/image/registry', says: /does not match pattern/ },
  { set: 'sniffer.image.repository=Podmap/Sniffer', where: '/sniffer/image/repository', says: /does not match pattern/ },
  { set: 'mapper.image.digest=sha256:abc', where: '/mapper/image/digest', says: /does not match pattern/ }
]

for (const c of cases) {
  test(`the schema rejects ${c.set} naming ${c.where}`, async () => {
    const res = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, '--set', c.set])
    assert.notEqual(res.code, 0, `helm accepted ${c.set}`)
    const line = res.stderr.split('\n').find((l) => l.includes(`'${c.where}'`))
    assert.ok(line, `no message names ${c.where}:\n${res.stderr}`)
    assert.match(line, c.says)
  })
}

test('the schema accepts the same keys with good values', async () => {
  const res = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, '--set', 'global.imageRegistry=127.0.0.1:5000/team,mapper.image.repository=team/podmap__mapper,mapper.replicas=0,sniffer.image.pullPolicy=Always,sniffer.metricsPort=19476,sniffer.scanInterval=10s,mapper.persistence.size=2Gi,mapper.logLevel=debug'])
  assert.equal(res.code, 0, res.stderr)
})
