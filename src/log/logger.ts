import { pino, type Logger, type LoggerOptions } from 'pino'
import { REDACT_CENSOR, REDACT_PATHS } from './redact-paths.js'

export type { Logger }

export { REDACT_PATHS }

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
    redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
    timestamp: pino.stdTimeFunctions.isoTime
  }
  return config.destination ? pino(options, config.destination) : pino(options)
}
