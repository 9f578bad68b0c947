/** GET /api/v1/export (Kubernetes objects) and GET /api/v1/graph (pictures), over the filtered map. */
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { stringify } from 'yaml'
import { z } from 'zod'
import { exportFormatSchema, exportOutputSchema, graphFormatSchema, kubeListSchema } from '../../src/contract/export.js'
import { mapResponseSchema, type Identity } from '../../src/contract/map.js'
import { errorResponses } from '../../src/contract/error.js'
import type { MapStore } from '../store/map-store.js'
import type { ExportLookup } from '../export/lookup.js'
import type { ImageRenderer } from '../export/render-image.js'
import { exportObjects } from '../export/render-export.js'
import { toList, toYamlDocuments } from '../export/documents.js'
import { toDot } from '../export/dot.js'
import { toMermaid } from '../export/mermaid.js'
import { TOO_LARGE_HINT } from '../export/image-pool.js'
import { PictureCache } from '../export/picture-cache.js'
import { GraphTooLarge } from '../../src/errors/catalogue.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface ExportRouteDeps {
  store: MapStore
  labelsOf: (id: Identity) => Array<Record<string, string>>
  lookup: ExportLookup
  images: ImageRenderer
  /** Most workloads (graph nodes) an SVG or PNG may show; more answer 422 with a hint. */
  maxGraphNodes: number
  /** Pictures being rendered or waiting (podmap_mapper_graph_renders). */
  renders?: { inc: () => void, dec: () => void }
}

/** Distinct identities in the edges: the graph's nodes. */
function nodeCount (edges: Array<{ client: Identity, server: Identity }>): number {
  const ids = new Set<string>()
  for (const e of edges) for (const id of [e.client, e.server]) ids.add(`${id.kind}/${id.namespace ?? ''}/${id.name}`)
  return ids.size
}

export const exportQuerySchema = filterQuerySchema.extend({
  format: exportFormatSchema.describe('intents (Otterize ClientIntents), networkpolicy, cilium, or json (the map)'),
  output: exportOutputSchema.default('yaml').describe('yaml (multi-document, default) or json (a List)'),
  nodes: z.enum(['omit', 'include']).default('omit').describe('calls made by nodes (kubelet probes from the podCIDR gateway, node daemons): left out of generated policies, which CNIs let a node make to its pods anyway (omit, default), or allowed from the node\'s addresses (include)')
})

export const graphQuerySchema = filterQuerySchema.extend({
  format: graphFormatSchema.default('svg').describe('dot, mermaid, svg (default) or png')
})

const YAML = 'application/yaml; charset=utf-8'
const GRAPH_TYPES = { dot: 'text/vnd.graphviz; charset=utf-8', mermaid: 'text/vnd.mermaid; charset=utf-8', svg: 'image/svg+xml; charset=utf-8', png: 'image/png' } as const

export function exportRoutes (deps: ExportRouteDeps): FastifyPluginAsyncZod {
  const pictures = new PictureCache()
  return async function (app) {
    app.get('/api/v1/export', {
      schema: {
        summary: 'The map as ClientIntents, NetworkPolicies, CiliumNetworkPolicies or JSON, YAML or JSON',
        querystring: exportQuerySchema,
        response: {
          200: {
            content: {
              'application/json': { schema: z.union([kubeListSchema, mapResponseSchema]) },
              // Multi-document YAML: one document per object (format=json: the map), so any YAML value.
              'application/yaml': { schema: z.unknown().describe('multi-document YAML, one document per object; format=json: the map') }
            }
          },
          ...errorResponses(400, 401)
        }
      },
      config: { access: 'read' }
    }, async (req, reply) => {
      const q = req.query
      const edges = await deps.store.list(toEdgeFilter(q, deps.labelsOf))
      if (q.format === 'json') {
        const map = { edges }
        return q.output === 'json' ? reply.type('application/json; charset=utf-8').send(map) : reply.type(YAML).send(stringify(map))
      }
      // Calls made by nodes (kubelet probes above all) are left out of policies unless asked for.
      const objects = exportObjects(q.format, q.nodes === 'include' ? edges : edges.filter((e) => e.client.kind !== 'Node'), deps.lookup)
      if (q.output === 'json') return reply.type('application/json; charset=utf-8').send(toList(objects))
      return reply.type(YAML).send(toYamlDocuments(objects))
    })

    app.get('/api/v1/graph', {
      schema: {
        summary: 'The map as a graph grouped by namespace: DOT, Mermaid, SVG or PNG (SVG and PNG rendered in a worker thread, within --graph-max-nodes, --render-timeout and --render-max-heap: 422 with a hint past them, 503 while too many wait)',
        querystring: graphQuerySchema,
        response: {
          200: { content: Object.fromEntries(Object.values(GRAPH_TYPES).map((t) => [t.split(';')[0] as string, { schema: z.string() }])) },
          ...errorResponses(400, 401, 422, 503)
        }
      },
      config: { access: 'read' }
    }, async (req, reply) => {
      const q = req.query
      const edges = await deps.store.list(toEdgeFilter(q, deps.labelsOf))
      if (q.format === 'dot') return reply.type(GRAPH_TYPES.dot).send(toDot(edges))
      if (q.format === 'mermaid') return reply.type(GRAPH_TYPES.mermaid).send(toMermaid(edges))
      const nodes = nodeCount(edges)
      if (nodes > deps.maxGraphNodes) throw GraphTooLarge(`the graph has ${nodes} workloads; at most ${deps.maxGraphNodes} are drawn as ${q.format} (--graph-max-nodes): ${TOO_LARGE_HINT}`)
      const dot = toDot(edges)
      const key = PictureCache.key(q.format, dot)
      let picture = pictures.get(key)
      if (picture === undefined) {
        deps.renders?.inc()
        try {
          picture = q.format === 'svg' ? await deps.images.svg(dot) : await deps.images.png(dot)
        } finally { deps.renders?.dec() }
        pictures.set(key, picture)
      }
      // PNG bytes are sent as they are (the schema above documents the content type).
      return (reply as FastifyReply).type(GRAPH_TYPES[q.format]).send(picture)
    })
  }
}
