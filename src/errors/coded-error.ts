/**
 * Errors with stable codes, in the manner of fastify's `createError`: the code names the failure
 * for machines and tests, the message explains it to a person, the status maps it to HTTP.
 */
export class CodedError extends Error {
  readonly code: string
  readonly statusCode: number

  constructor (code: string, message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CodedError'
    this.code = code
    this.statusCode = statusCode
  }
}

export type CodedErrorFactory = (message?: string, options?: ErrorOptions) => CodedError

export function createError (code: string, defaultMessage: string, statusCode = 500): CodedErrorFactory {
  return (message = defaultMessage, options) => new CodedError(code, message, statusCode, options)
}

export function isCodedError (err: unknown): err is CodedError {
  return err instanceof CodedError
}
