import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { SUPPORTED_REPORT_VERSIONS, reportAckSchema, reportSchema } from '../../src/contract/report.js'
import { describeIssues } from '../../src/contract/issues.js'
import { BadRequest, UnsupportedReportVersion } from '../../src/errors/catalogue.js'
import type { Ingestor } from '../resolve/ingest.js'
import type { MapperMetrics } from '../metrics.js'
import { errorResponses, jsonSchema } from './schemas.js'

export interface ReportsRouteDeps {
  ingestor: Ingestor
  metrics: MapperMetrics
}

export function reportsRoutes (deps: ReportsRouteDeps) {
  return async function (app: FastifyInstance): Promise<void> {
    app.post('/api/v1/reports', {
      schema: {
        summary: 'Ingest a batch of observations from a sniffer (bearer token required)',
        body: jsonSchema(reportSchema),
        response: { 200: jsonSchema(reportAckSchema), ...errorResponses(400, 401, 413, 415) }
      },
      // The zod schema above documents the body; validation itself runs in the handler through zod,
      // so messages name the field and the version check comes first.
      config: { access: 'report' },
      validatorCompiler: () => () => true
    }, async (req) => {
      const body = req.body as { version?: unknown } | null
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        deps.metrics.reports.inc({ outcome: 'invalid' })
        throw BadRequest('body: expected a JSON object')
      }
      if (typeof body.version !== 'number' || !SUPPORTED_REPORT_VERSIONS.includes(body.version)) {
        deps.metrics.reports.inc({ outcome: 'invalid' })
        throw UnsupportedReportVersion(`body.version: report version ${JSON.stringify(body.version)} is not supported; this mapper accepts versions ${SUPPORTED_REPORT_VERSIONS.join(', ')}`)
      }
      const parsed = reportSchema.safeParse(body)
      if (!parsed.success) {
        deps.metrics.reports.inc({ outcome: 'invalid' })
        throw BadRequest(describeIssues(parsed.error))
      }
      await deps.ingestor.ingest(parsed.data)
      deps.metrics.reports.inc({ outcome: 'accepted' })
      return { accepted: { dns: parsed.data.dns.length, sockets: parsed.data.sockets.length } } satisfies z.infer<typeof reportAckSchema>
    })
  }
}
