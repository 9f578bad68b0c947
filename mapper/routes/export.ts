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
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface ExportRouteDeps {
  store: MapStore
  labelsOf: (id: Identity) => Array<Record<string, string>>
  lookup: ExportLookup
  images: ImageRenderer
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
        summary: 'The map as a graph grouped by namespace: DOT, Mermaid, SVG or PNG (rendered in-process)',
        querystring: graphQuerySchema,
        response: {
          200: { content: Object.fromEntries(Object.values(GRAPH_TYPES).map((t) => [t.split(';')[0] as string, { schema: z.string() }])) },
          ...errorResponses(400, 401)
        }
      },
      config: { access: 'read' }
    }, async (req, reply) => {
      const q = req.query
      const edges = await deps.store.list(toEdgeFilter(q, deps.labelsOf))
      reply.type(GRAPH_TYPES[q.format])
      switch (q.format) {
        case 'dot': return reply.send(toDot(edges))
        case 'mermaid': return reply.send(toMermaid(edges))
        case 'svg': return reply.send(await deps.images.svg(toDot(edges)))
        // Bytes, sent as they are (the schema above documents the content type).
        case 'png': return (reply as FastifyReply).send(await deps.images.png(toDot(edges)))
      }
    })
  }
}
