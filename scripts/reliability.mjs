#!/usr/bin/env node
// `npm run reliability`: runs the reliability suite (test/reliability/*.test.ts and *.audit-test.ts) and the judges (test/judges),
// then the load soak (bench/soak.ts), collects the figures the tests write (one JSON line each, see
// test/reliability/figures.ts) and the soak's JSON line, and regenerates RELIABILITY.md.
// Options: --soak          long parameters everywhere (PODMAP_SOAK=1: 1M frames, 60 s outage, ...)
//                          and a 10-minute load soak
//          --load DURATION length of the load soak (default 1m; 10m with --soak; 0 skips it)
//          --seed N        another seed for the property-based tests (default: the fixed ones)
//          --only DIR      run test/DIR alone (reliability or judges), no load soak unless --load says so:
//                          RELIABILITY.md keeps every row of other files as it was and says when these were redone
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { withAttackTable } from './attack-table.mjs'

const ROOT = new URL('..', import.meta.url).pathname
const { values: opts } = parseArgs({ options: { soak: { type: 'boolean', default: false }, load: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } })
const SUITES = ['reliability', 'judges']
if (opts.only !== undefined && !SUITES.includes(opts.only)) {
  console.error(`reliability: --only takes one of ${SUITES.join(', ')}, not ${JSON.stringify(opts.only)}`)
  process.exit(2)
}
const load = opts.load ?? (opts.only ? '0' : opts.soak ? '10m' : '1m')

const work = mkdtempSync(join(tmpdir(), 'podmap-reliability-'))
const figuresFile = join(work, 'figures.jsonl')
const tapFile = join(work, 'results.tap')
writeFileSync(figuresFile, '')
const env = { ...process.env, PODMAP_RELIABILITY_FIGURES: figuresFile, ...(opts.soak ? { PODMAP_SOAK: '1' } : {}), ...(opts.seed ? { PODMAP_SEED: opts.seed } : {}) }

// The reliability suite, then the independent judges (test/judges: network-config-analyzer, the real API server, schemathesis).
const files = (opts.only ? [opts.only] : SUITES).flatMap((d) => {
  const dir = join(ROOT, 'test', d)
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts') || f.endsWith('.audit-test.ts')).sort().map((f) => join(dir, f))
})
const started = Date.now()
console.log(`reliability: ${files.length} files${opts.soak ? ' (soak)' : ''}; figures -> ${figuresFile}`)
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files],
{ cwd: ROOT, env, stdio: 'inherit' })

// Outcomes by test name, from the TAP stream (nested or not).
const outcomes = new Map()
for (const line of readFileSync(tapFile, 'utf8').split('\n')) {
  const m = /^\s*(not ok|ok) \d+ - (.*?)(?: # (TODO|SKIP)\b(.*))?$/.exec(line)
  if (!m || m[2].startsWith('/')) continue // a file's own line in multi-file runs
  outcomes.set(m[2], m[3] === 'TODO' ? `todo:${(m[4] ?? '').trim()}` : m[3] === 'SKIP' ? 'skipped' : m[1] === 'ok' ? 'pass' : 'FAIL')
}

let loadFigure
if (load !== '0') {
  console.log(`reliability: load soak for ${load}`)
  const soak = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'soak.ts'), '--duration', load], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  process.stdout.write(soak.stdout.split('\n').slice(-4).join('\n'))
  const last = soak.stdout.trim().split('\n').pop() ?? ''
  try {
    const r = JSON.parse(last)
    const mb = r.rssMb.map((x) => x.mb)
    loadFigure = {
      area: 'load', test: `soak: ${r.sniffers} simulated sniffers x ${r.recordsPerReport} records every ${r.reportIntervalS} s, queries at 5/s, for ${r.durationS} s (bench/soak.ts)`,
      figure: `${r.posts.toLocaleString('en-US')} reports (${r.records.toLocaleString('en-US')} records), ${r.queries.toLocaleString('en-US')} queries: p50 ${r.p50QueryMs} ms, p99 ${r.p99QueryMs} ms; errors ${r.errors}; mapper RSS ${mb[0]} -> ${Math.max(...mb)} max -> ${mb[mb.length - 1]} MB (${r.rssFlat ? 'flat' : 'GROWING'})`,
      inputs: r.posts + r.queries, lost: r.errors, file: 'bench/soak.ts', status: soak.status === 0 ? 'pass' : 'FAIL'
    }
  } catch {
    loadFigure = { area: 'load', test: 'soak (bench/soak.ts)', figure: `FAILED: no result line (exit ${soak.status}): ${soak.stderr.slice(-300)}`, file: 'bench/soak.ts', status: 'FAIL' }
  }
}

const figures = readFileSync(figuresFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
const rows = figures.map((f) => ({ ...f, status: f.figure.startsWith('FAILED') ? 'FAIL' : 'pass' }))
// Tests that failed (or are todo) before writing a figure still get a row.
const named = new Set(rows.map((r) => r.test))
for (const [name, status] of outcomes) {
  if (status === 'pass') continue
  if ([...named].some((n) => name.includes(n))) continue
  rows.push({ area: status.startsWith('todo') ? 'known bugs' : 'failed', test: name, figure: status.startsWith('todo') ? `KNOWN BUG (todo test): ${status.slice(5)}` : 'FAILED (see the test output)', status: status.startsWith('todo') ? 'todo' : 'FAIL' })
}
if (loadFigure) rows.push(loadFigure)

// --only: the rows of the other suite's files stay as the last run of that suite wrote them (verbatim).
let generated = `\`npm run reliability${opts.soak ? ' -- --soak' : ''}\` (scripts/reliability.mjs) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},\nin ${Math.round((Date.now() - started) / 1000)}`
if (opts.only) {
  const previous = readFileSync(join(ROOT, 'RELIABILITY.md'), 'utf8')
  for (const line of previous.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| Area ')) continue
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim())
    if ((cells[7] ?? '').startsWith(`test/${opts.only}/`)) continue
    rows.push({ area: cells[0], status: cells[6], lost: cells[5] ? Number(cells[5].replace(/,/g, '')) : undefined, line })
  }
  const before = /Generated by ([\s\S]*?) s\. Do not edit/.exec(previous)?.[1] ?? 'an earlier run'
  const mine = new RegExp(`; the rows of test/${opts.only}/ by [\\s\\S]*?(?=; the rows of|$)`)
  generated = `${before.replace(mine, '').replace(/ s$/, '')} s; the rows of test/${opts.only}/ by \`npm run reliability -- --only ${opts.only}${opts.soak ? ' --soak' : ''}\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, in ${Math.round((Date.now() - started) / 1000)}`
}

const order = ['bad input', 'faults', 'security', 'judges', 'load', 'known bugs', 'failed']
rows.sort((a, b) => order.indexOf(a.area) - order.indexOf(b.area))
// No address but loopback reaches RELIABILITY.md: a figure quoting a tool's error keeps its status and
// reason, never the URL it called (test/reliability/audit-reason.ts records npm audit's that way).
const noUrls = (text) => text.replace(/\b[a-z][a-z0-9+.-]*:\/\/(?!(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/])[^\s|)]+/gi, '<address removed>')
const cell = (v) => v === undefined ? '' : noUrls(String(typeof v === 'number' ? v.toLocaleString('en-US') : v)).replace(/\|/g, '\\|').replace(/\n/g, ' ')
const lost = rows.filter((r) => r.lost !== undefined).reduce((a, r) => a + r.lost, 0)
const failing = rows.filter((r) => r.status === 'FAIL')
const md = [
  '# Reliability and security figures',
  '',
  `Generated by ${generated} s. Do not edit by hand: rerun the command. The suites are test/reliability/ and test/judges/; their fast part runs in \`npm test\``,
  '(fixed seeds); `npm run reliability -- --soak` runs every test with its long parameters (PODMAP_SOAK=1) and a 10-minute load soak.',
  '',
  '**Counting after a restart.** An edge\'s count is its number of observations: one per DNS response, and one per /proc scan per open session key',
  '(client, server, port). A restarted sniffer sees sessions that are still open again: those are new observations and raise the count, at most one per',
  'key per scan. A restart must not change the edge set, ports, evidence or addresses, nor replay an observation (DNS counts stay put): see the sniffer restart row.',
  '',
  `**Summary:** ${rows.length} rows, ${rows.filter((r) => r.status === 'pass').length} pass, ${failing.length} failing, ${rows.filter((r) => r.status === 'todo').length} known bugs; records lost where counted: **${lost}**.`,
  '',
  '| Area | Test | Figure | Inputs | Faults | Lost | Status | Where |',
  '|---|---|---|---:|---:|---:|---|---|',
  ...rows.map((r) => r.line ?? `| ${cell(r.area)} | ${cell(r.test)} | ${cell(r.figure)} | ${cell(r.inputs)} | ${cell(r.faults)} | ${cell(r.lost)} | ${cell(r.status)} | ${cell(r.file)} |`),
  ''
].join('\n')
writeFileSync(join(ROOT, 'RELIABILITY.md'), withAttackTable(md, outcomes))
rmSync(work, { recursive: true, force: true })
console.log(`reliability: RELIABILITY.md written (${rows.length} rows, ${failing.length} failing, lost ${lost})`)
process.exit(run.status === 0 && failing.length === 0 ? 0 : 1)
