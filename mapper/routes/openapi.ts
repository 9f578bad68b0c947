/**
 * GET /api/v1/openapi.json: an OpenAPI 3.0 document generated from the schemas every route declares
 * (the zod contract, converted once at registration). Routes are collected with an onRoute hook, so
 * a route cannot be served without appearing here.
 */
import type { FastifyInstance, RouteOptions } from 'fastify'

interface Operation {
  summary?: string
  description?: string
  parameters?: unknown[]
  requestBody?: unknown
  responses: Record<string, unknown>
}

export function collectOpenApi (app: FastifyInstance, info: { title: string, version: string }) {
  const paths: Record<string, Record<string, Operation>> = {}
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as {
      hide?: boolean, summary?: string, description?: string, querystring?: { properties?: Record<string, { description?: string }>, required?: string[] },
      body?: unknown, response?: Record<string, unknown>
    } | undefined
    if (!schema || schema.hide || !route.url.startsWith('/')) return
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD')
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    const parameters: unknown[] = []
    for (const m of route.url.matchAll(/:([A-Za-z0-9_]+)/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })
    for (const [name, prop] of Object.entries(schema.querystring?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: schema.querystring?.required?.includes(name) ?? false, description: prop.description, schema: prop })
    }
    const responses: Record<string, unknown> = {}
    for (const [code, body] of Object.entries(schema.response ?? {})) {
      responses[code] = { description: code.startsWith('2') ? 'success' : 'error', content: { 'application/json': { schema: body } } }
    }
    for (const method of methods) {
      paths[path] ??= {}
      ;(paths[path] as Record<string, Operation>)[method.toLowerCase()] = {
        summary: schema.summary,
        description: schema.description,
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: Object.keys(responses).length > 0 ? responses : { 200: { description: 'success' } }
      }
    }
  })
  return async function (instance: FastifyInstance): Promise<void> {
    instance.get('/api/v1/openapi.json', { schema: { hide: true } as Record<string, unknown>, config: { access: 'open' } }, async () => ({
      openapi: '3.0.3',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      paths
    }))
  }
}
