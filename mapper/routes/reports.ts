/** POST /api/v1/reports: a sniffer's batch, acknowledged once its calls are durable. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { SUPPORTED_REPORT_VERSIONS, reportAckSchema, reportSchema } from '../../src/contract/report.js'
import { errorResponses } from '../../src/contract/error.js'
import { BadRequest, UnsupportedReportVersion } from '../../src/errors/catalogue.js'
import type { Ingestor } from '../resolve/ingest.js'
import type { MapperMetrics } from '../metrics.js'

export interface ReportsRouteDeps {
  ingestor: Ingestor
  metrics: MapperMetrics
  /** This process's id, new at every start, in every ack (sniffers re-send what is current when it changes). */
  instance: string
}

/** What a report's version field is, without serialising it (it may be nested thousands deep). */
function describeValue (v: unknown): string {
  if (Array.isArray(v)) return 'an array'
  if (v === null) return 'null'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  return String(v)
}

export function reportsRoutes (deps: ReportsRouteDeps): FastifyPluginAsyncZod {
  return async function (app) {
    app.post('/api/v1/reports', {
      schema: {
        summary: 'Ingest a batch of observations from a sniffer (bearer token required)',
        body: reportSchema,
        response: { 200: reportAckSchema, ...errorResponses(400, 401, 413, 415, 429, 503) }
      },
      config: { access: 'report' },
      // The version is checked before the body is validated, so an unknown version gets its own
      // message rather than a list of fields this mapper does not know.
      preValidation: async (req) => {
        const body = req.body as { version?: unknown } | null
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw BadRequest('body: expected a JSON object')
        if (typeof body.version !== 'number' || !SUPPORTED_REPORT_VERSIONS.includes(body.version)) {
          throw UnsupportedReportVersion(`body.version: report version ${describeValue(body.version)} is not supported; this mapper accepts versions ${SUPPORTED_REPORT_VERSIONS.join(', ')}`)
        }
      },
      // Refused bodies are counted once here, after the error handler answered (401 and 429 are
      // counted where they are decided).
      onError: async (_req, reply) => {
        if (reply.statusCode === 400 || reply.statusCode === 413 || reply.statusCode === 415) deps.metrics.reports.inc({ outcome: 'invalid' })
      }
    }, async (req) => {
      // A sniffer that proved its node (ServiceAccount token) reports for that node, whatever the
      // body says; with the shared token the body's node name stands, and records must agree with it.
      const proven = req.sniffer?.node
      if (proven !== undefined && proven !== req.body.node) req.log.debug({ claimed: req.body.node, node: proven }, 'report names another node than its token: the token wins')
      const report = proven !== undefined ? { ...req.body, node: proven } : req.body
      const r = await deps.ingestor.ingest(report)
      deps.metrics.reports.inc({ outcome: r.held ? 'held' : 'accepted' })
      return { accepted: { dns: report.dns.length, sockets: report.sockets.length }, instance: deps.instance, ...(r.held ? { held: true } : {}) }
    })
  }
}
