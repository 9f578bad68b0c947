/**
 * The chart with the PostgreSQL store: replicas share the map, so they roll one at a time, spread
 * over nodes, keep one up through a drain (PodDisruptionBudget), and read the connection string from
 * the existing Secret as a file. The embedded store refuses more than one replica.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { helm, CHART, TEST_REGISTRY_VALUES, only, render } from './helm-cli.js'
import { container, env, mount, podSpec, volume } from './pod-types.js'

const PG = ['--set', 'store.type=postgres', '--set', 'store.postgres.existingSecret=podmap-pg', '--set', 'store.postgres.secretKey=uri', '--set', 'store.clusterName=prod-eu-1']

test('store postgres with 3 replicas: the DSN Secret as a file, no state volume, rolling one at a time, a PodDisruptionBudget, anti-affinity', async () => {
  const docs = await render([...PG, '--set', 'mapper.replicas=3'])
  const d = only(docs, 'Deployment') as ReturnType<typeof only> & { spec: { replicas: number, strategy: { type: string, rollingUpdate?: { maxUnavailable: number } }, selector: { matchLabels: Record<string, string> } } }
  assert.equal(d.spec.replicas, 3)
  assert.equal(d.spec.strategy.type, 'RollingUpdate')
  assert.equal(d.spec.strategy.rollingUpdate?.maxUnavailable, 0)
  const c = container(d, 'mapper')
  assert.equal(env(c, 'PODMAP_STORE').value, 'postgres')
  assert.equal(env(c, 'PODMAP_STORE_DSN_FILE').value, `${mount(c, 'store').mountPath}/uri`)
  assert.equal(env(c, 'PODMAP_CLUSTER_NAME').value, 'prod-eu-1')
  assert.equal(mount(c, 'store').readOnly, true)
  assert.deepEqual(volume(d, 'store').secret?.items, [{ key: 'uri', path: 'uri' }])
  assert.equal(volume(d, 'store').secret?.secretName, 'podmap-pg')
  assert.equal(c.env?.some((e) => e.name === 'PODMAP_STATE_DIR'), false)
  assert.equal(podSpec(d).volumes?.some((v) => v.name === 'state'), false)
  assert.equal(docs.some((x) => x.kind === 'PersistentVolumeClaim'), false)
  const pdb = only(docs, 'PodDisruptionBudget') as ReturnType<typeof only> & { spec: { maxUnavailable: number, selector: { matchLabels: Record<string, string> } } }
  assert.equal(pdb.spec.maxUnavailable, 1)
  assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels)
  const anti = (podSpec(d) as { affinity?: { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: Array<{ podAffinityTerm: { topologyKey: string, labelSelector: { matchLabels: Record<string, string> } } }> } } }).affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution
  assert.equal(anti?.[0]?.podAffinityTerm.topologyKey, 'kubernetes.io/hostname')
  assert.deepEqual(anti?.[0]?.podAffinityTerm.labelSelector.matchLabels, d.spec.selector.matchLabels)
})

test('store postgres with one replica: no PodDisruptionBudget (it would block every drain), no anti-affinity', async () => {
  const docs = await render(PG)
  assert.equal(docs.some((x) => x.kind === 'PodDisruptionBudget'), false)
  assert.equal((podSpec(only(docs, 'Deployment')) as { affinity?: unknown }).affinity, undefined)
})

test('the default (embedded) store stays one replica: more is refused, and postgres without its Secret is refused', async () => {
  const defaults = await render()
  assert.equal(defaults.some((x) => x.kind === 'PodDisruptionBudget'), false)
  assert.equal((only(defaults, 'Deployment') as unknown as { spec: { strategy: { type: string } } }).spec.strategy.type, 'Recreate')
  const two = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, '--set', 'mapper.replicas=2'])
  assert.notEqual(two.code, 0)
  assert.match(two.stderr, /mapper.replicas > 1 needs store.type=postgres/)
  const noSecret = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, '--set', 'store.type=postgres'])
  assert.notEqual(noSecret.code, 0)
  assert.match(noSecret.stderr, /needs store.postgres.existingSecret/)
  const badName = await helm(['template', 'podmap', CHART, '--values', TEST_REGISTRY_VALUES, ...PG, '--set', 'store.clusterName=Prod_EU'])
  assert.notEqual(badName.code, 0, 'the schema refuses a cluster name the mapper would refuse')
})
