/**
 * The one place that turns errors into HTTP answers `{statusCode, code, error, message}`:
 * - request validation (zod, through the type provider): 400 naming each field, e.g.
 *   `body.sockets[3].port: Too big: expected number to be <=65535`;
 * - coded errors (src/errors/catalogue.ts): their status and message;
 * - fastify's own 4xx (bad JSON, body too large, wrong content type): their status and message;
 * - anything else: 500 with a generic message (logged, never sent).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isCodedError } from '../../src/errors/coded-error.js'
import { BadRequest, BodyTooLarge, RequestTimeout, UnsupportedMediaType } from '../../src/errors/catalogue.js'

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  408: 'Request Timeout', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  503: 'Service Unavailable'
}

export function httpReason (status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Error')
}

/** `/sockets/3/port` in `body` -> `body.sockets[3].port`. */
export function fieldPath (context: string, instancePath: string): string {
  let path = context === 'querystring' ? 'query' : context
  for (const part of instancePath.split('/').slice(1)) {
    if (part === '') continue
    path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`
  }
  return path
}

const MAX_ISSUES = 10

/** fastify's own 4xx (body parsing, limits) answered with podmap's stable codes. */
const FASTIFY_CODES: Record<number, { code: string }> = { 408: RequestTimeout, 413: BodyTooLarge, 415: UnsupportedMediaType }

interface ZodIssueLike { path: PropertyKey[], code: string, message: string, errors?: ZodIssueLike[][] }

/**
 * One line per problem. A value that matches no branch of a union is described by the branch it came
 * closest to (fewest problems), so `body[0].spec.podSelector: ...` rather than `body: Invalid input`.
 */
function describeValidation (path: string, keyword: string, message: string, params: Record<string, unknown>): string[] {
  const branches = params.errors as ZodIssueLike[][] | undefined
  if (keyword !== 'invalid_union' || !Array.isArray(branches) || branches.length === 0) return [`${path}: ${message}`]
  const closest = branches.reduce((a, b) => (b.length < a.length ? b : a))
  return closest.flatMap((i) => {
    const sub = i.path.reduce<string>((p, part) => typeof part === 'number' ? `${p}[${part}]` : `${p}.${String(part)}`, path)
    return describeValidation(sub, i.code, i.message, i as unknown as Record<string, unknown>)
  })
}

export function errorHandler (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as { validationContext?: string }).validationContext ?? 'body'
    const lines = err.validation.flatMap((v) => describeValidation(fieldPath(context, v.instancePath), v.keyword, v.message ?? 'invalid', v.params)).slice(0, MAX_ISSUES)
    return reply.code(400).send({ statusCode: 400, code: 'PODMAP_ERR_BAD_REQUEST', error: httpReason(400), message: lines.join('; ') })
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500 && !isCodedError(err)) {
    req.log.error({ err }, 'request error')
    return reply.code(500).send({ statusCode: 500, code: 'PODMAP_ERR_INTERNAL', error: httpReason(500), message: 'internal error' })
  }
  // A coded 503 (the mapper is busy) says why; the sniffer keeps its batch and retries after Retry-After.
  if (status === 503 && !reply.hasHeader('retry-after')) void reply.header('retry-after', '5')
  const code = typeof err.code === 'string' && err.code.startsWith('PODMAP_ERR_') ? err.code : (FASTIFY_CODES[status] ?? BadRequest).code
  return reply.code(status).send({ statusCode: status, code, error: httpReason(status), message: err.message })
}
