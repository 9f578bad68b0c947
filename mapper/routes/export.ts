/** GET /api/v1/export (Kubernetes objects) and GET /api/v1/graph (pictures), over the filtered map. */
import type { FastifyInstance } from 'fastify'
import { stringify } from 'yaml'
import { exportFormatSchema, exportOutputSchema, graphFormatSchema, kubeListSchema } from '../../src/contract/export.js'
import { mapResponseSchema, type Identity } from '../../src/contract/map.js'
import { describeIssues } from '../../src/contract/issues.js'
import { BadRequest } from '../../src/errors/catalogue.js'
import type { EdgeStore } from '../store/edge-store.js'
import type { ExportLookup } from '../export/lookup.js'
import type { ImageRenderer } from '../export/render-image.js'
import { exportObjects } from '../export/render-export.js'
import { toList, toYamlDocuments } from '../export/documents.js'
import { toDot } from '../export/dot.js'
import { toMermaid } from '../export/mermaid.js'
import { errorResponses, jsonSchema } from './schemas.js'
import { filterQuerySchema, toEdgeFilter } from './query.js'

export interface ExportRouteDeps {
  store: EdgeStore
  labelsOf: (id: Identity) => Array<Record<string, string>>
  lookup: ExportLookup
  images: ImageRenderer
}

export const exportQuerySchema = filterQuerySchema.extend({
  format: exportFormatSchema.describe('intents (Otterize ClientIntents), networkpolicy, cilium, or json (the map)'),
  output: exportOutputSchema.default('yaml').describe('yaml (multi-document, default) or json (a List)')
})

export const graphQuerySchema = filterQuerySchema.extend({
  format: graphFormatSchema.default('svg').describe('dot, mermaid, svg (default) or png')
})

const YAML = 'application/yaml; charset=utf-8'
const text = { type: 'string' }

const GRAPH_TYPES = { dot: 'text/vnd.graphviz; charset=utf-8', mermaid: 'text/vnd.mermaid; charset=utf-8', svg: 'image/svg+xml; charset=utf-8', png: 'image/png' } as const

export function exportRoutes (deps: ExportRouteDeps) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/api/v1/export', {
      schema: {
        summary: 'The map as ClientIntents, NetworkPolicies, CiliumNetworkPolicies or JSON, YAML or JSON',
        querystring: jsonSchema(exportQuerySchema),
        response: {
          200: {
            content: {
              'application/json': { schema: { anyOf: [jsonSchema(kubeListSchema), jsonSchema(mapResponseSchema)] } },
              'application/yaml': { schema: text }
            }
          },
          ...errorResponses(400)
        }
      },
      config: { access: 'read' },
      validatorCompiler: () => () => true
    }, async (req, reply) => {
      const q = exportQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      const edges = deps.store.list(toEdgeFilter(q.data, deps.labelsOf))
      if (q.data.format === 'json') {
        const map = { edges }
        return q.data.output === 'json' ? reply.type('application/json; charset=utf-8').send(map) : reply.type(YAML).send(stringify(map))
      }
      const objects = exportObjects(q.data.format, edges, deps.lookup)
      if (q.data.output === 'json') return reply.type('application/json; charset=utf-8').send(toList(objects))
      return reply.type(YAML).send(toYamlDocuments(objects))
    })

    app.get('/api/v1/graph', {
      schema: {
        summary: 'The map as a graph grouped by namespace: DOT, Mermaid, SVG or PNG (rendered in-process)',
        querystring: jsonSchema(graphQuerySchema),
        response: {
          200: { content: Object.fromEntries(Object.values(GRAPH_TYPES).map((t) => [t.split(';')[0] as string, { schema: text }])) },
          ...errorResponses(400)
        }
      },
      config: { access: 'read' },
      validatorCompiler: () => () => true
    }, async (req, reply) => {
      const q = graphQuerySchema.safeParse(req.query)
      if (!q.success) throw BadRequest(describeIssues(q.error, 'query'))
      const edges = deps.store.list(toEdgeFilter(q.data, deps.labelsOf))
      const format = q.data.format
      reply.type(GRAPH_TYPES[format])
      switch (format) {
        case 'dot': return reply.send(toDot(edges))
        case 'mermaid': return reply.send(toMermaid(edges))
        case 'svg': return reply.send(await deps.images.svg(toDot(edges)))
        case 'png': return reply.send(await deps.images.png(toDot(edges)))
      }
    })
  }
}
