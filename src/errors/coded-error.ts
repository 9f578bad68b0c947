/**
 * Errors with stable codes, in the manner of fastify's `createError`: the code names the failure
 * for machines and tests, the message explains it to a person. An error that can reach an HTTP
 * client carries its HTTP status; an error that ends a command carries its process exit code.
 * The two never share a field. Every code is defined once, in catalogue.ts.
 */
export interface CodedErrorSpec {
  code: string
  message: string
  /** The HTTP status when a mapper route throws it (4xx); unset: the error never reaches HTTP (500 if it does). */
  status?: number
  /** The exit code when it ends a command (default 1). */
  exitCode?: number
}

export class CodedError extends Error {
  readonly code: string
  /** HTTP status (fastify reads `statusCode`); undefined for errors that are not HTTP answers. */
  readonly statusCode: number | undefined
  readonly exitCode: number

  constructor (spec: CodedErrorSpec, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CodedError'
    this.code = spec.code
    this.statusCode = spec.status
    this.exitCode = spec.exitCode ?? 1
  }
}

export interface CodedErrorFactory {
  (message?: string, options?: ErrorOptions): CodedError
  readonly code: string
  /** Whether `err` was made by this factory. */
  is: (err: unknown) => err is CodedError
}

export function createError (spec: CodedErrorSpec): CodedErrorFactory {
  const factory = (message = spec.message, options?: ErrorOptions): CodedError => new CodedError(spec, message, options)
  return Object.assign(factory, {
    code: spec.code,
    is: (err: unknown): err is CodedError => err instanceof CodedError && err.code === spec.code
  })
}

export function isCodedError (err: unknown): err is CodedError {
  return err instanceof CodedError
}
