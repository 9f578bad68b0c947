/**
 * The MapStore contract as tests, run against each backend (embedded-store.test.ts,
 * postgres-store.test.ts): what is recorded survives a reopen without a clean close, time windows
 * and retention, roll-ups into days, renames, reset, snapshots, held reports, explain samples,
 * addresses, the edge series and the edge count. Only the interface is used, so a backend passes
 * when it behaves as the embedded store does.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MapStore } from '../../../mapper/store/map-store.js'
import { identityKey, type Call } from '../../../mapper/store/call.js'

export const T = Date.parse('2026-11-26T10:15:00Z')
export const H = 3_600_000
export const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' }
export const orders = { kind: 'Deployment', namespace: 'shop', name: 'orders', service: 'orders' }
export const partner = { kind: 'External', name: 'api.partner.example' }

export const call = (over: Partial<Call> = {}): Call => ({ client: checkout, server: orders, port: { port: 8080, protocol: 'TCP' }, evidence: 'tcp', first: T, last: T, count: 1, ...over })

export interface StoreOpenOptions { now: () => number, hourlyHistoryMs?: number }

/** One empty backing storage (a directory, a database): `open` opens a store on it, as often as asked. */
export interface Backing {
  open: (o: StoreOpenOptions) => Promise<MapStore>
  /** Closes what `open` opened and removes the storage. */
  cleanup: () => Promise<void>
}

export interface Backend {
  setUp?: () => Promise<void>
  tearDown?: () => Promise<void>
  fresh: () => Promise<Backing>
}

export function mapStoreSuite (name: string, backend: Backend): void {
  describe(`MapStore contract: ${name}`, () => {
    before(async () => { await backend.setUp?.() })
    after(async () => { await backend.tearDown?.() })
    const withStore = (fn: (b: Backing, clock: { t: number }) => Promise<void>) => async () => {
      const b = await backend.fresh()
      try { await fn(b, { t: T + 6 * H }) } finally { await b.cleanup() }
    }
    const opened = async (b: Backing, clock: { t: number }, hourlyHistoryMs?: number): Promise<MapStore> => await b.open({ now: () => clock.t, hourlyHistoryMs })

    test('what was recorded comes back after a reopen, without a clean close (as after kill -9)', withStore(async (b, clock) => {
      const a = await opened(b, clock)
      await a.record([call(), call({ evidence: 'dns', port: undefined, name: 'orders.shop.svc.cluster.local' }), call({ server: partner, port: { port: 443, protocol: 'TCP' }, addresses: ['198.51.100.7'] })])
      await a.record([call({ first: T + H, last: T + H, port: { port: 9090, protocol: 'TCP' } })])
      const before = await a.list()
      await a.pin({ name: 'baseline', createdAt: T, edges: before })
      const again = await opened(b, clock)
      assert.deepEqual(await again.list(), before)
      assert.deepEqual((await again.getPin('baseline'))?.edges, before)
      assert.equal(await again.edgeCount(), 2)
      assert.deepEqual(before.map((e) => [e.server.name, e.ports.map((p) => p.port), e.evidence]), [['orders', [8080, 9090], ['dns', 'tcp']], ['api.partner.example', [443], ['tcp']]], 'by client, then server key')
      assert.deepEqual(before[1]?.addresses, ['198.51.100.7'])
    }))

    test('time windows come from the hourly buckets; retention forgets old hours and edges left empty', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      await m.record([call({ first: T, last: T }), call({ first: T + 2 * H, last: T + 2 * H, port: { port: 9090, protocol: 'TCP' } }), call({ server: partner, first: T, last: T + 60_000 })])
      assert.deepEqual((await m.list()).find((e) => e.server.name === 'orders')?.ports.map((p) => p.port), [8080, 9090])
      const late = await m.list({ since: T + H })
      assert.deepEqual(late.map((e) => [e.server.name, e.ports.map((p) => p.port)]), [['orders', [9090]]])
      assert.equal(late[0]?.firstSeen, new Date(T + 2 * H).toISOString())
      assert.deepEqual(await m.list({ until: T - 1 }), [])
      assert.deepEqual((await m.list({ since: T - H, until: T + 1000 })).map((e) => e.server.name), ['orders', 'api.partner.example'])
      assert.equal(JSON.parse(await m.listJson({ namespaces: ['nowhere'] })).edges.length, 0)
      assert.equal(JSON.parse(await m.listJson({ namespaces: ['shop'] })).edges.length, 2)
      assert.equal(await m.prune(T + H * 1.9), 1, 'the partner edge had nothing after the cut')
      const left = await m.list()
      assert.deepEqual(left.map((e) => [e.server.name, e.ports.map((p) => p.port)]), [['orders', [9090]]])
      assert.equal(left[0]?.firstSeen, new Date(T + 2 * H).toISOString(), 'first seen follows what is kept')
      assert.deepEqual((await m.portCounts()).map((p) => [p.port, p.count]), [[8080, 0], [9090, 1]], 'a port whose counts all went stays at zero')
      assert.equal(await m.edgeCount(), 1)
    }))

    test('roll-ups merge hours past the horizon into days; windows are then precise to the day', withStore(async (b, clock) => {
      const m = await opened(b, clock, 6 * H)
      await m.record([call({ first: T, last: T, count: 2 }), call({ first: T + H, last: T + H + 5, evidence: 'dns', port: undefined }), call({ first: T + 5 * H, last: T + 5 * H, port: { port: 9090, protocol: 'TCP' } })])
      clock.t = T + 8 * H
      assert.equal(await m.rollUp(), 2, 'the two hours that ended before the horizon')
      assert.equal(await m.rollUp(), 0)
      const all = await m.list()
      assert.deepEqual(all[0]?.ports.map((p) => p.port), [8080, 9090])
      assert.deepEqual(all[0]?.evidence, ['dns', 'tcp'])
      // The day bucket now spans T..T+H+5: a window inside the first hour sees the whole day's facets.
      assert.deepEqual((await m.list({ since: T + 30 * 60_000, until: T + 31 * 60_000 }))[0]?.evidence, ['dns', 'tcp'])
      const ex = await m.explain('Deployment/shop/checkout', 'Deployment/shop/orders')
      assert.deepEqual(ex?.evidence, [{ kind: 'dns', count: 1 }, { kind: 'tcp', count: 3 }])
      assert.equal(ex?.firstSeen, new Date(T).toISOString())
      assert.equal(ex?.lastSeen, new Date(T + 5 * H).toISOString())
    }))

    test('a late owner renames an identity: its edges merge into the real workload', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      const job = { kind: 'Job', namespace: 'batch', name: 'nightly-1' }
      const cron = { kind: 'CronJob', namespace: 'batch', name: 'nightly' }
      await m.record([call({ client: job, node: 'n1' }), call({ client: cron, port: { port: 9090, protocol: 'TCP' }, node: 'n2' }), call({ client: checkout, server: job, port: { port: 80, protocol: 'TCP' } })])
      assert.equal(await m.edgeCount(), 3)
      await m.rekey(job, cron)
      const edges = await m.list()
      assert.deepEqual(edges.map((e) => `${e.client.name}>${e.server.name}:${e.ports.map((p) => p.port).join(',')}`), ['nightly>orders:8080,9090', 'checkout>nightly:80'], 'CronJob/… sorts before Deployment/…')
      assert.deepEqual(edges.find((e) => e.client.name === 'nightly')?.client, cron)
      assert.deepEqual((await m.explain('CronJob/batch/nightly', 'Deployment/shop/orders'))?.nodes.sort(), ['n1', 'n2'])
      assert.equal(await m.edgeCount(), 2)
      await m.rekey({ kind: 'Job', namespace: 'batch', name: 'never-seen' }, cron)
      assert.equal(await m.edgeCount(), 2)
    }))

    test('reset clears the map and keeps snapshots; snapshots are listed oldest first, replaced by name, removed', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      await m.record([call(), call({ server: partner })])
      const edges = await m.list()
      await m.pin({ name: 'b', createdAt: T + 2, edges })
      await m.pin({ name: 'a', createdAt: T + 1, edges: [] })
      await m.pin({ name: 'b', createdAt: T + 3, edges })
      assert.deepEqual((await m.pins()).map((p) => [p.name, p.createdAt, p.edges.length]), [['a', T + 1, 0], ['b', T + 3, 2]])
      assert.equal(await m.reset(), 2)
      assert.deepEqual(await m.list(), [])
      assert.equal(await m.edgeCount(), 0)
      assert.equal(await m.unpin('a'), true)
      assert.equal(await m.unpin('a'), false)
      assert.equal(await m.getPin('a'), undefined)
      const again = await opened(b, clock)
      assert.deepEqual(await again.list(), [])
      assert.deepEqual((await again.getPin('b'))?.edges, edges)
    }))

    test('held reports are kept in order until released with their calls, in one step', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      const dns = [{ client: '10.0.1.2', name: 'orders.shop.svc.cluster.local', answers: ['10.0.0.7'], ttl: 30, firstSeen: T, lastSeen: T, count: 1 }]
      const id1 = await m.hold({ node: 'n1', at: T, dns, sockets: [] })
      const id2 = await m.hold({ node: 'n2', at: T + 1, dns: [], sockets: [] })
      assert.ok(id2 > id1)
      assert.equal(await m.heldRecords(), 1)
      assert.deepEqual((await m.heldReports(10)).map((r) => [r.id, r.node, r.dns.length]), [[id1, 'n1', 1], [id2, 'n2', 0]])
      assert.deepEqual((await m.heldReports(1)).map((r) => r.id), [id1])
      await m.release(id1, [call()])
      assert.deepEqual((await m.heldReports(10)).map((r) => r.id), [id2])
      assert.equal(await m.heldRecords(), 0)
      assert.equal(await m.edgeCount(), 1)
      const again = await opened(b, clock)
      assert.deepEqual((await again.heldReports(10)).map((r) => r.id), [id2])
    }))

    test('explain keeps at most 16 of each sample and counts the rest; addresses stop at 64', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      const names: Call[] = []
      for (let i = 0; i < 20; i++) names.push(call({ evidence: 'dns', port: undefined, name: `n${i}.example`, node: `node-${i % 3}` }))
      await m.record(names.slice(0, 10))
      await m.record([...names.slice(10), call({ evidence: 'dns', port: undefined, name: 'n19.example' })])
      const ex = await m.explain('Deployment/shop/checkout', 'Deployment/shop/orders')
      assert.equal(ex?.dnsNames.length, 16)
      assert.deepEqual(ex?.dnsNames.slice(0, 2), ['n0.example', 'n1.example'])
      assert.deepEqual(ex?.truncated, { dnsNames: 5, services: 0, nodes: 0 })
      assert.deepEqual(ex?.nodes, ['node-0', 'node-1', 'node-2'])
      assert.deepEqual(ex?.services, ['orders'])
      assert.equal(await m.explain('Deployment/shop/checkout', 'Deployment/shop/nothing'), undefined)
      assert.equal(await m.explain('Deployment/shop/checkout', 'Deployment/shop/orders', T + H), undefined, 'nothing in the window')
      const many = Array.from({ length: 70 }, (_, i) => `198.51.100.${i}`)
      await m.record([call({ server: partner, addresses: many.slice(0, 40) })])
      await m.record([call({ server: partner, addresses: many.slice(20) })])
      const p = (await m.list()).find((e) => e.server.name === 'api.partner.example')
      assert.equal(p?.addresses?.length, 64)
      assert.deepEqual(new Set(p?.addresses), new Set(many.slice(0, 64)))
    }))

    test('the store lists its cluster; a read naming clusters tags each edge with its cluster', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      await m.record([call(), call({ server: partner })])
      assert.deepEqual(await m.clusters(), [{ name: m.cluster, edges: 2 }])
      assert.equal((await m.list())[0]?.cluster, undefined, 'a plain read is this cluster\'s map, untagged')
      const named = await m.list({ clusters: [m.cluster, 'elsewhere'] })
      assert.deepEqual(named.map((e) => [e.cluster, e.server.name]), [[m.cluster, 'orders'], [m.cluster, 'api.partner.example']])
      assert.deepEqual(JSON.parse(await m.listJson({ clusters: ['elsewhere'] })), { edges: [] })
      assert.deepEqual(JSON.parse(await m.listJson({ clusters: [m.cluster], since: T + H })), { edges: [] }, 'windows apply')
    }))

    test('a call restated with count 0 (after a mapper restart) counts one observation where the map keeps none of its facet, else only moves its times', withStore(async (b, clock) => {
      const s = await opened(b, clock)
      await s.record([call({ count: 5 })])
      await s.record([call({ count: 0, first: T + 60_000, last: T + 120_000 }), call({ count: 0, evidence: 'dns', port: undefined, name: 'orders.shop.svc.cluster.local' }), call({ count: 0, evidence: 'dns', port: undefined, name: 'orders.shop.svc.cluster.local' })])
      await s.record([call({ count: 0, server: partner, port: { port: 443, protocol: 'TCP' } })])
      const e = await s.explain(identityKey(checkout), identityKey(orders))
      assert.deepEqual(e?.evidence, [{ kind: 'dns', count: 1 }, { kind: 'tcp', count: 5 }], 'tcp kept its 5 (the restatement adds nothing); dns, kept nowhere, counts one for two restatements in one batch')
      assert.equal(e?.lastSeen, new Date(T + 120_000).toISOString(), 'the restatement moves the times')
      assert.deepEqual((await s.explain(identityKey(checkout), identityKey(partner)))?.evidence, [{ kind: 'tcp', count: 1 }], 'an edge the map lost entirely counts one')
    }))

    test('a server first seen without its Service takes the Service name when a call names it', withStore(async (b, clock) => {
      const m = await opened(b, clock)
      const bare = { kind: 'Deployment', namespace: 'shop', name: 'orders' }
      await m.record([call({ server: bare })])
      await m.record([call({ server: orders })])
      assert.deepEqual((await m.list())[0]?.server, orders)
      assert.deepEqual((await m.portCounts()).map((x) => [x.server.name, x.port, x.protocol, x.count]), [['orders', 8080, 'TCP', 2]])
    }))
  })
}
