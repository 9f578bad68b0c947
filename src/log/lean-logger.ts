/**
 * The sniffer's logger: pino's JSON lines (level number, ISO time, component, fields, msg; errors as
 * {type, message, stack}), with the same redaction, in ~100 lines and no dependency.
 *
 * Why not pino here: pino loads sonic-boom, thread-stream, worker_threads and assert, ~2 MB of
 * resident memory on a process whose budget is 60 MB (BENCHMARKS.md), to write a few lines a
 * minute. The mapper keeps pino; test/src/log/lean-logger.test.ts holds the two to the same output.
 */
import type { Log, LogFn } from './log.js'
import { REDACT_CENSOR, REDACT_PATHS } from './redact-paths.js'

const LEVELS: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity }

export interface LeanLoggerConfig {
  level: string
  component: string
  /** Where to write; defaults to stdout. Tests pass a sink to read what was logged. */
  destination?: { write: (line: string) => unknown }
}

export interface LeanLogger extends Log {
  child: (bindings: Record<string, unknown>) => LeanLogger
}

const paths = REDACT_PATHS.map((p) => p.split('.'))

export function createLeanLogger (config: LeanLoggerConfig): LeanLogger {
  const threshold = LEVELS[config.level]
  if (threshold === undefined) throw new Error(`unknown log level "${config.level}"`)
  const out = config.destination ?? process.stdout
  return make(threshold, out, { component: config.component })
}

function make (threshold: number, out: { write: (line: string) => unknown }, bindings: Record<string, unknown>): LeanLogger {
  const at = (level: number): LogFn => (fieldsOrMessage, message) => {
    if (level < threshold) return
    let record: Record<string, unknown> = { level, time: new Date().toISOString(), ...bindings }
    if (typeof fieldsOrMessage === 'string') {
      record.msg = fieldsOrMessage
    } else {
      if (fieldsOrMessage instanceof Error) record.err = serializeError(fieldsOrMessage)
      else if (fieldsOrMessage !== null && typeof fieldsOrMessage === 'object') Object.assign(record, fieldsOrMessage)
      if (record.err instanceof Error) record.err = serializeError(record.err)
      if (message !== undefined) record.msg = message
      else if (fieldsOrMessage instanceof Error) record.msg = fieldsOrMessage.message
    }
    record = redact(record)
    out.write(JSON.stringify(record) + '\n')
  }
  return {
    fatal: at(60),
    error: at(50),
    warn: at(40),
    info: at(30),
    debug: at(20),
    trace: at(10),
    child: (more) => make(threshold, out, { ...bindings, ...more })
  }
}

/** As pino's: type, the messages and stacks of the cause chain folded in, then own fields. */
function serializeError (err: Error): Record<string, unknown> {
  const chain: Error[] = []
  for (let e: unknown = err; e instanceof Error && !chain.includes(e) && chain.length < 10; e = e.cause) chain.push(e)
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? err.name,
    message: chain.map((e) => e.message).filter((m) => m !== '').join(': '),
    stack: chain.map((e) => e.stack ?? '').join('\ncaused by: ')
  }
  for (const [k, v] of Object.entries(err)) {
    if (k === 'cause' || k in out) continue
    out[k] = v instanceof Error ? serializeError(v) : v
  }
  return out
}

/** A copy of `record` with every REDACT_PATHS match censored ('*' is any key at its level). */
function redact (record: Record<string, unknown>): Record<string, unknown> {
  let copy = record
  for (const path of paths) copy = censor(copy, path, 0) as Record<string, unknown>
  return copy
}

function censor (node: unknown, path: string[], i: number): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node
  const obj = node as Record<string, unknown>
  const key = path[i] as string
  const keys = key === '*' ? Object.keys(obj) : (Object.hasOwn(obj, key) ? [key] : [])
  let copy: Record<string, unknown> | undefined
  for (const k of keys) {
    const next = i === path.length - 1 ? REDACT_CENSOR : censor(obj[k], path, i + 1)
    if (next !== obj[k]) {
      copy ??= { ...obj }
      copy[k] = next
    }
  }
  return copy ?? obj
}
