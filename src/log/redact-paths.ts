/** Paths blanked out wherever they appear in a log record: credentials never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token'
]

export const REDACT_CENSOR = '[redacted]'
