/**
 * The edge series (--edge-metrics): one series per edge and server port, read from the real store at
 * scrape time, a cap whose overflow is counted, and label values that cannot break the exposition.
 * (test/prometheus/ checks the same output with promtool and a real Prometheus.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { EdgeStore } from '../../mapper/store/edge-store.js'
import type { Call } from '../../mapper/store/call.js'
import { MAX_LABEL_CHARS, labelValue, createEdgeSeries, type PortCount } from '../../mapper/edge-series.js'
import { parseSamples } from '../prometheus/exposition-text.js'

const T = Date.parse('2026-11-26T10:15:00Z')
const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
const orders = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
const partner = { kind: 'External', name: 'api.partner.example' }
const call = (over: Partial<Call> = {}): Call => ({ client: checkout, server: orders, port: { port: 8080, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: 1, ...over })

function setup (store: { portCounts: () => Iterable<PortCount> | AsyncIterable<PortCount> }, maxSeries = 100, cluster = '') {
  const registry = new Registry()
  const overCaps: number[] = []
  const series = createEdgeSeries({ registry, portCounts: () => store.portCounts(), maxSeries, cluster, onOverCap: (n) => overCaps.push(n) })
  /** One scrape: the edge family's text, then the registry's (as /metrics does). */
  const scrape = async (): Promise<string> => { const edges = await series.render(); return (await registry.metrics()) + edges }
  return { registry, overCaps, scrape }
}

async function values (scrape: () => Promise<string>, name = 'podmap_mapper_edge_observations') {
  return parseSamples(await scrape(), name)
}

test('one series per edge and server port, counts summed over evidence and hours, DNS-only left out', async () => {
  const store = new EdgeStore()
  store.add(call({ count: 3 }), 0)
  store.add(call({ count: 2, first: T + 3_600_000, last: T + 3_600_000 }), 0)
  store.add(call({ evidence: 'dns', port: undefined, count: 7 }), 0)
  store.add(call({ port: { port: 53, protocol: 'UDP' }, evidence: 'udp', count: 4 }), 0)
  store.add(call({ server: partner, port: { port: 443, protocol: 'TCP' }, count: 1 }), 0)
  store.add(call({ client: orders, server: partner, evidence: 'dns', port: undefined }), 0)
  const { scrape } = setup(store, 100, 'prod-eu')
  const got = (await values(scrape)).map((v) => ({ ...v.labels, value: v.value }) as Record<string, string | number>)
  const edge = { client_kind: 'Deployment', client_namespace: 'shop', client_name: 'checkout', cluster: 'prod-eu' }
  assert.deepEqual(got.sort((a, b) => `${a.server_name}:${a.port}`.localeCompare(`${b.server_name}:${b.port}`)), [
    { ...edge, server_kind: 'External', server_namespace: '', server_name: 'api.partner.example', port: '443', protocol: 'TCP', value: 1 },
    { ...edge, server_kind: 'Deployment', server_namespace: 'shop', server_name: 'orders', port: '53', protocol: 'UDP', value: 4 },
    { ...edge, server_kind: 'Deployment', server_namespace: 'shop', server_name: 'orders', port: '8080', protocol: 'TCP', value: 5 }
  ])
  assert.deepEqual(await values(scrape, 'podmap_mapper_edge_series_over_cap'), [{ name: 'podmap_mapper_edge_series_over_cap', labels: {}, value: 0 }])
  // Computed at scrape time: a later call shows at the next scrape.
  store.add(call({ count: 10 }), 0)
  const again = (await values(scrape)).find((v) => v.labels.port === '8080')
  assert.equal(again?.value, 15)
})

test('without a cluster name the label is left out', async () => {
  const store = new EdgeStore()
  store.add(call(), 0)
  const text = await setup(store).scrape()
  assert.match(text, /^podmap_mapper_edge_observations\{client_kind="Deployment",client_namespace="shop",client_name="checkout",server_kind="Deployment",server_namespace="shop",server_name="orders",port="8080",protocol="TCP"\} 1$/m)
  assert.doesNotMatch(text, /cluster=/)
})

test('past the cap the first entries in store order stay, the rest are counted, and the warning comes once', async () => {
  const store = new EdgeStore()
  for (let i = 0; i < 5; i++) store.add(call({ client: { kind: 'Deployment', namespace: 'shop', name: `c${i}` } }), 0)
  const { scrape, overCaps } = setup(store, 3)
  const got = await values(scrape)
  assert.deepEqual(got.map((v) => v.labels.client_name), ['c0', 'c1', 'c2'])
  assert.deepEqual((await values(scrape, 'podmap_mapper_edge_series_over_cap')).map((v) => v.value), [2])
  await scrape()
  assert.deepEqual(overCaps, [2], 'one warning while the map stays over the cap')
  const text = await scrape()
  assert.match(text, /^podmap_mapper_edge_series_over_cap 2$/m)
  assert.equal(text.match(/^podmap_mapper_edge_observations\{/gm)?.length, 3)
})

test('label values: escaped in the exposition, control characters and lone surrogates replaced, long ones cut but distinct', async () => {
  const long = 'x'.repeat(400)
  const odd = [
    'quote"back\\slash',
    'new\nline\rtab\tnul\u0000',
    'lone\ud800surrogate',
    'pair\ud83d\ude00ok',
    'ünïcødé-名前',
    `${long}a`,
    `${long}b`
  ]
  const store = new EdgeStore()
  for (const name of odd) store.add(call({ server: { kind: 'External', name } }), 0)
  const { scrape } = setup(store)
  const got = (await values(scrape)).map((v) => String(v.labels.server_name))
  assert.equal(new Set(got).size, odd.length, 'distinct names stay distinct series')
  assert.ok(got.includes('quote"back\\slash'))
  assert.ok(got.includes('new\ufffdline\ufffdtab\ufffdnul\ufffd'))
  assert.ok(got.includes('lone\ufffdsurrogate'))
  assert.ok(got.includes('pair\ud83d\ude00ok'), 'a surrogate pair is a character, kept')
  assert.ok(got.includes('ünïcødé-名前'))
  for (const v of got) assert.ok([...v].length <= MAX_LABEL_CHARS, `${v.length} characters`)
  const text = await scrape()
  assert.ok(text.includes('server_name="quote\\"back\\\\slash"'), '" and \\ are escaped')
  // Every sample line is one line: nothing in a value ended it.
  for (const line of text.split('\n')) assert.match(line, /^(#|podmap_mapper_edge_(observations\{.*\} \d+|series_over_cap \d+)$|$)/)
  assert.equal(Buffer.from(text, 'utf8').toString('utf8'), text, 'the text is valid UTF-8 as it is')
})

test('labels that only differ by what was replaced are one series, their counts summed (no duplicate series)', async () => {
  const store = new EdgeStore()
  store.add(call({ server: { kind: 'External', name: 'a\u0001' }, count: 2 }), 0)
  store.add(call({ server: { kind: 'External', name: 'a\u0002' }, count: 3 }), 0)
  const got = await values(setup(store).scrape)
  assert.equal(got.length, 1)
  assert.equal(got[0]?.value, 5)
})

test('labelValue keeps ordinary names as they are and cuts at a character boundary', () => {
  assert.equal(labelValue(undefined), '')
  assert.equal(labelValue('checkout-7d4b9'), 'checkout-7d4b9')
  const emoji = '😀'.repeat(300)
  const cut = labelValue(emoji)
  assert.equal([...cut].length, MAX_LABEL_CHARS)
  assert.doesNotMatch(cut, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no surrogate pair split')
  assert.equal(labelValue(emoji), cut, 'stable')
})

test('an async source (a store that reads elsewhere) is read the same way, once per scrape', async () => {
  let reads = 0
  const source = {
    async * portCounts (): AsyncGenerator<PortCount> {
      reads++
      yield { client: checkout, server: orders, port: 8080, protocol: 'TCP', count: 2, lastSeen: T }
      yield { client: checkout, server: partner, port: 443, protocol: 'TCP', count: 1, lastSeen: T }
    }
  }
  const { scrape } = setup(source, 1)
  const text = await scrape()
  assert.equal(reads, 1)
  assert.match(text, /^podmap_mapper_edge_series_over_cap 1$/m)
  assert.equal(text.match(/^podmap_mapper_edge_observations\{/gm)?.length, 1)
})

test('a cluster the store knows for an edge wins over --cluster-name; a large map is read whole across event-loop yields', async () => {
  const n = 10_000
  const entries: PortCount[] = Array.from({ length: n }, (_v, i) => ({ client: checkout, server: { kind: 'External', name: `e${i}.example` }, port: 443, protocol: 'TCP', count: 1, lastSeen: T, ...(i === 0 ? { cluster: 'other' } : {}) }))
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 0)
  const got = await values(setup({ portCounts: () => entries }, n, 'here').scrape)
  clearInterval(timer)
  assert.equal(got.length, n)
  assert.equal(got.filter((v) => v.labels.cluster === 'other').length, 1)
  assert.equal(got.filter((v) => v.labels.cluster === 'here').length, n - 1)
  assert.ok(ticks > 0, 'timers ran while the scrape read the store')
})
