/** Snapshots (pin, list, remove), diffs between two points, and reset. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Edge } from '../../src/contract/map.js'
import { errorResponses } from '../../src/contract/error.js'
import {
  createSnapshotSchema, diffQuerySchema, diffResponseSchema, resetResponseSchema, snapshotListSchema, snapshotNameSchema, snapshotSummarySchema
} from '../../src/contract/snapshots.js'
import { BadRequest, NotFound, SnapshotLimit } from '../../src/errors/catalogue.js'
import { parseDuration } from '../../src/config/duration.js'
import type { MapStore } from '../store/map-store.js'
import { diffMaps } from '../store/diff.js'
import { parseTime, toEdgeFilter } from './query.js'
import type { MapperMetrics } from '../metrics.js'

export interface SnapshotRouteDeps {
  map: MapStore
  metrics: MapperMetrics
  /** Most snapshots kept (each is a full copy of the map); past it, 409. */
  maxSnapshots?: number
}

type Endpoint = { snapshot: string, at: number, edges: Edge[] } | { at: number }

export function snapshotRoutes (deps: SnapshotRouteDeps): FastifyPluginAsyncZod {
  const { map } = deps
  const summary = (p: { name: string, createdAt: number, edges: Edge[] }) => ({ name: p.name, createdAt: new Date(p.createdAt).toISOString(), edges: p.edges.length })

  return async function (app) {
    app.post('/api/v1/snapshots', {
      schema: {
        summary: 'Pin the current map under a name (replaces a snapshot of the same name; token required)',
        body: createSnapshotSchema,
        response: { 201: snapshotSummarySchema, ...errorResponses(400, 401, 409) }
      },
      config: { access: 'admin' }
    }, async (req, reply) => {
      const max = deps.maxSnapshots ?? 16
      const pins = await map.pins()
      if (pins.length >= max && !pins.some((p) => p.name === req.body.name)) {
        throw SnapshotLimit(`at most ${max} snapshots are kept (each is a full copy of the map): delete one first (DELETE /api/v1/snapshots/{name})`)
      }
      const pin = { name: req.body.name, createdAt: Date.now(), edges: await map.list() }
      await map.pin(pin)
      return reply.code(201).send(summary(pin))
    })

    app.get('/api/v1/snapshots', {
      schema: { summary: 'The pinned snapshots', response: { 200: snapshotListSchema, ...errorResponses(401) } },
      config: { access: 'read' }
    }, async () => ({ snapshots: (await map.pins()).map(summary) }))

    app.delete('/api/v1/snapshots/:name', {
      schema: {
        summary: 'Remove a snapshot (token required)',
        params: z.object({ name: snapshotNameSchema }),
        response: { 204: z.undefined(), ...errorResponses(400, 401, 404) }
      },
      config: { access: 'admin' }
    }, async (req, reply) => {
      if (!(await map.unpin(req.params.name))) throw NotFound(`no snapshot named "${req.params.name}"`)
      return reply.code(204).send()
    })

    app.get('/api/v1/diff', {
      schema: {
        summary: 'Calls added, removed and changed between two points: snapshots or times',
        description: 'A snapshot is the map as pinned. A time T stands for the calls seen in the window ending at T: ' +
          'of length `window`, else the span between two times (so from=24h compares the last 24 hours with the 24 before), ' +
          'else everything seen until T when the other side is a snapshot.',
        querystring: diffQuerySchema,
        response: { 200: diffResponseSchema, ...errorResponses(400, 401, 404) }
      },
      config: { access: 'read' }
    }, async (req) => {
      const q = req.query
      const now = Date.now()
      const filter = toEdgeFilter({ namespace: q.namespace }, () => [], now)
      const resolve = async (name: 'from' | 'to', text: string): Promise<Endpoint> => {
        const pin = await map.getPin(text)
        if (pin) return { snapshot: pin.name, at: pin.createdAt, edges: filter.namespaces ? pin.edges.filter((e: Edge) => filter.namespaces?.includes(e.client.namespace ?? '') || filter.namespaces?.includes(e.server.namespace ?? '')) : pin.edges }
        if (text === 'now') return { at: now }
        return { at: parseTime(name, text, now) }
      }
      const from = await resolve('from', q.from)
      const to = await resolve('to', q.to ?? 'now')
      if (from.at > to.at) throw BadRequest(`query.from (${new Date(from.at).toISOString()}) is after query.to (${new Date(to.at).toISOString()})`)
      let window: number | undefined
      if (q.window !== undefined) {
        window = parseDuration(q.window)
        if (window === undefined || window <= 0 || !Number.isSafeInteger(window) || window > from.at) {
          throw BadRequest(`query.window: "${q.window}" is not a positive duration that fits before query.from (24h, 30m)`)
        }
      } else if (!('snapshot' in from) && !('snapshot' in to)) {
        window = to.at - from.at
        if (window <= 0) throw BadRequest('query.from and query.to are the same time: give a window')
      }
      const edgesAt = async (e: Endpoint): Promise<{ edges: Edge[], since?: number }> => {
        if ('snapshot' in e) return { edges: e.edges }
        const since = window !== undefined ? e.at - window : undefined
        return { edges: await map.list({ ...filter, since, until: e.at }), since }
      }
      const a = await edgesAt(from)
      const b = await edgesAt(to)
      const describe = (e: Endpoint, since?: number) => ({
        ...('snapshot' in e ? { snapshot: e.snapshot } : {}),
        ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
        until: new Date(e.at).toISOString()
      })
      return { from: describe(from, a.since), to: describe(to, b.since), ...diffMaps(a.edges, b.edges) }
    })

    app.post('/api/v1/reset', {
      schema: { summary: 'Clear the map (token required); snapshots are kept', response: { 200: resetResponseSchema, ...errorResponses(401) } },
      config: { access: 'admin' }
    }, async () => {
      const removedEdges = await map.reset()
      deps.metrics.edges.set(0)
      return { removedEdges }
    })
  }
}
