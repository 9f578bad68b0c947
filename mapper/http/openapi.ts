/**
 * GET /api/v1/openapi.json: the OpenAPI 3.0 document @fastify/swagger generates from the zod
 * schemas every route declares (fastify-type-provider-zod's transform). Register before the routes.
 */
import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'

export async function registerOpenApi (app: FastifyInstance, info: { title: string, version: string, description?: string }): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info,
      components: {
        securitySchemes: {
          readToken: { type: 'http', scheme: 'bearer', description: 'the read token (--read-token-file): the map and everything derived from it; read routes are open when the mapper has none' },
          reportToken: { type: 'http', scheme: 'bearer', description: 'the report token (--token-file): sniffers\' reports, snapshots, reset' }
        }
      }
    },
    transform: jsonSchemaTransform
  })
}

export function openApiRoute (app: FastifyInstance): void {
  app.get('/api/v1/openapi.json', { schema: { hide: true }, config: { access: 'open' } }, async () => app.swagger())
}
