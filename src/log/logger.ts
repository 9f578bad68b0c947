import { pino, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

/** Paths pino blanks out wherever they appear: credentials never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token'
]

export interface LoggerConfig {
  level: string
  component: string
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream
}

/** The one logger factory: JSON lines to stdout, credentials redacted. */
export function createLogger (config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: { component: config.component },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime
  }
  return config.destination ? pino(options, config.destination) : pino(options)
}
