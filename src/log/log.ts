/**
 * What the sniffer and the shutdown sequence need of a logger: pino's levels and its
 * `(fields?, message)` call shape. Both pino (the mapper's logger) and the lean logger (the
 * sniffer's) satisfy it.
 */
export type LogFn = (fieldsOrMessage: unknown, message?: string) => void

export interface Log {
  fatal: LogFn
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
}
