import { z } from 'zod'

/** Every 4xx/5xx body the mapper sends. `code` is stable; `message` says what was wrong. */
export const errorBodySchema = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  error: z.string(),
  message: z.string()
})
export type ErrorBody = z.infer<typeof errorBodySchema>

/** The error bodies a route may answer with, for its response schemas (and so the OpenAPI document). */
export function errorResponses<const C extends number> (...codes: C[]): Record<C, typeof errorBodySchema> {
  return Object.fromEntries(codes.map((c) => [c, errorBodySchema])) as Record<C, typeof errorBodySchema>
}
