import { z } from 'zod'
import { errorBodySchema } from '../../src/contract/error.js'

/** A zod schema as the JSON Schema fastify serialises with (and the OpenAPI document shows). */
export function jsonSchema (schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

const errorJson = jsonSchema(errorBodySchema)

export function errorResponses (...codes: number[]): Record<number, Record<string, unknown>> {
  return Object.fromEntries(codes.map((c) => [c, errorJson]))
}
