/**
 * Reading the Grafana dashboard's queries for validation: every target's PromQL with Grafana's
 * variables replaced by values Prometheus accepts, and the metric names each query reads.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CHART } from '../helm/helm-cli.js'

export interface DashboardQuery { panel: string, type: string, refId: string, expr: string, instant: boolean }

interface Panel { title: string, type: string, targets?: Array<{ refId: string, expr?: string, instant?: boolean }>, panels?: Panel[] }
export interface Dashboard { panels: Panel[], templating: { list: Array<{ name: string, type: string, query?: unknown, definition?: string }> } }

export const DASHBOARD_FILE = join(CHART, 'dashboards', 'podmap.json')

export function loadDashboard (text = readFileSync(DASHBOARD_FILE, 'utf8')): Dashboard {
  return JSON.parse(text) as Dashboard
}

/** Grafana's own variables, with the values a query for the last hour would get. */
const BUILTIN: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h', __range_s: '3600', __range_ms: '3600000' }

/**
 * Every target's expr with `$var`, `${var}` and `[[var]]` replaced: Grafana's built-ins by the values
 * above, the dashboard's own variables by `values` (a query variable with "All" is `.*`). An unknown
 * variable throws: Grafana would leave it in the query and Prometheus would fail on it.
 */
export function dashboardQueries (d: Dashboard, values: Record<string, string>): DashboardQuery[] {
  const own = new Set(d.templating.list.map((v) => v.name))
  const out: DashboardQuery[] = []
  const walk = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (t.expr === undefined) continue
        const expr = t.expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (m, a?: string, b?: string, c?: string) => {
          const name = a ?? b ?? c ?? ''
          if (name in BUILTIN) return BUILTIN[name] as string
          if (own.has(name) && name in values) return values[name] as string
          throw new Error(`panel "${p.title}" ${t.refId}: unknown variable ${m}`)
        })
        out.push({ panel: p.title, type: p.type, refId: t.refId, expr, instant: t.instant === true })
      }
      walk(p.panels ?? [])
    }
  }
  walk(d.panels)
  return out
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/**
 * The metric names a PromQL expression reads: identifiers outside strings, label matchers, grouping
 * and range brackets that are not functions, aggregations or keywords.
 */
export function metricNames (expr: string): string[] {
  const names = new Set<string>()
  const bare = expr
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length).trimStart()
    if (after.startsWith('(')) continue
    if (KEYWORDS.has(m[0].toLowerCase())) continue
    names.add(m[0])
  }
  return [...names]
}

/** The metric names a /metrics text exposes (histograms and summaries by their family name too). */
export function exposedNames (text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) /.exec(line) ?? /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)
    if (m?.[1]) names.add(m[1])
  }
  return names
}
