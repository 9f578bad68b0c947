/**
 * Command-line options with environment fallbacks, validated once through zod.
 *
 * Written against zod/mini, zod's tree-shakable API: the sniffer is bundled (scripts/bundle-sniffer.mjs)
 * and must fit its memory budget, and classic zod alone costs it ~6 MB. Specs may still hold classic
 * schemas (the mapper's and the CLI's do): both are zod schemas, parsed by the same `safeParse`.
 *
 * Each option is `--kebab-name value` (or `--kebab-name=value`), falls back to the environment
 * variable `PODMAP_<KEBAB_NAME_IN_CAPS>` (plus any aliases), then to its default. Every problem
 * is collected, so a bad configuration is reported whole, not one error per run.
 */
import { parseArgs } from 'node:util'
import * as z from 'zod/mini'
import { en } from 'zod/v4/locales'
import { parseDuration } from './duration.js'
import { ConfigInvalid } from '../errors/catalogue.js'

export interface OptionSpec<T extends z.core.$ZodType = z.core.$ZodType> {
  schema: T
  help: string
  /** Extra environment variables read after PODMAP_<NAME>, e.g. NODE_NAME. */
  env?: string[]
  /** A boolean flag takes no value: its presence means true. */
  flag?: boolean
  /** One-letter alias, e.g. 'o' for -o. */
  short?: string
}

export type OptionSpecs = Record<string, OptionSpec>
type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S
export type ConfigOf<S extends OptionSpecs> = { [K in keyof S & string as CamelCase<K>]: z.output<S[K]['schema']> }

export const duration = (fallback?: string) => {
  const base = z.pipe(z.string(), z.transform((text: string, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', message: `"${text}" is not a duration (examples: 500ms, 5s, 1m, 24h)`, input: text })
      return z.NEVER
    }
    return ms
  }))
  return fallback === undefined ? base : z._default(base, parseDuration(fallback) as number)
}

export const port = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)), fallback)
export const boolean = (fallback: boolean) =>
  z.pipe(z._default(z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]), fallback), z.transform((v) => v === true || v === 'true' || v === '1'))
export const stringList = () =>
  z.pipe(z._default(z.string(), ''), z.transform((s: string) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)))

export function envName (option: string): string {
  return `PODMAP_${option.toUpperCase().replaceAll('-', '_')}`
}

function camel (option: string): string {
  return option.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
}

export interface ParsedArgs { values: Record<string, string | boolean>, positionals: string[], problems: string[] }

/**
 * Splits argv into option values and positionals with node's util.parseArgs (non-strict, so that
 * every problem is collected rather than the first thrown): unknown options and options missing
 * their value are problems, not silently ignored.
 */
export function parseArgv (argv: string[], specs: OptionSpecs): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean', short?: string }> = {}
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.flag ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) }
  const values: Record<string, string | boolean> = {}
  const positionals: string[] = []
  const problems: string[] = []
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true })
  for (const t of tokens) {
    if (t.kind === 'positional') { positionals.push(t.value); continue }
    if (t.kind === 'option-terminator') continue
    const spec = specs[t.name]
    const shown = t.rawName.startsWith('--') ? `--${t.name}` : t.rawName
    if (!spec) { problems.push(`${shown}: unknown option`); continue }
    if (spec.flag) { values[t.name] = t.inlineValue === true ? String(t.value) : true; continue }
    if (t.value === undefined) { problems.push(`--${t.name}: needs a value`); continue }
    // `-o=json` spells `-o json`; a following option is not a value (`--port --flag`), a negative number is.
    if (t.inlineValue === false && t.value.startsWith('-') && t.value.length > 1 && !/^-\d/.test(t.value)) { problems.push(`--${t.name}: needs a value (got ${t.value})`); continue }
    values[t.name] = t.inlineValue === true && !t.rawName.startsWith('--') && t.value.startsWith('=') ? t.value.slice(1) : t.value
  }
  return { values, positionals, problems }
}

/** Problems are said in English (classic zod sets this on its own; zod/mini leaves it to the caller). */
let localeSet = false

/** Parses argv and env against the specs; throws one ConfigInvalid listing every problem. */
export function loadConfig<S extends OptionSpecs> (specs: S, argv: string[], env: NodeJS.ProcessEnv): ConfigOf<S> & { positionals: string[] } {
  if (!localeSet) { z.config(en()); localeSet = true }
  const { values, positionals, problems } = parseArgv(argv, specs)
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) {
    let raw: string | boolean | undefined = values[name]
    let source = `--${name}`
    if (raw === undefined) {
      for (const key of [envName(name), ...(spec.env ?? [])]) {
        const v = env[key]
        if (v !== undefined && v !== '') { raw = v; source = key; break }
      }
    }
    const result = z.safeParse(spec.schema, raw)
    if (result.success) {
      out[camel(name)] = result.data
    } else {
      for (const issue of result.error.issues) {
        const what = raw === undefined ? `is required (set --${name} or ${envName(name)})` : issue.message
        problems.push(`${source}: ${what}`)
      }
    }
  }
  if (problems.length > 0) {
    throw ConfigInvalid(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
  return { ...(out as ConfigOf<S>), positionals }
}

/** Usage text generated from the specs, for `--help` and for exit-2 errors. */
export function usage (command: string, specs: OptionSpecs): string {
  const lines = [`usage: podmap ${command} [options]`, '', 'options (each also read from PODMAP_<NAME>):']
  for (const [name, spec] of Object.entries(specs)) {
    const flag = spec.short ? `-${spec.short}, --${name}` : `    --${name}`
    lines.push(`  ${flag.padEnd(28)} ${spec.help}`)
  }
  return lines.join('\n')
}
