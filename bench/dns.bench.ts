/**
 * `npm run bench:dns`: what the real sniffer costs on DNS traffic, and whether it misses any, against
 * tcpdump on the same stream in the same run.
 *
 * Two mixes (bench/lib/dns-mix.ts) over two paths (bench/lib/dns-lab.ts), captured on the sniffer's
 * default device, `any`, in the namespace `node`:
 * - realistic: a node's traffic: a resolver pod answers 16 client addresses across a bridge in node
 *   (each response crosses two veths), 75% NXDOMAIN from the search list, AAAA, CNAME chains,
 *   NODATA, 400 templates, 2% over TCP;
 * - simple: the first bench's traffic, kept for comparison: 256 A answers over one veth.
 * A C generator (bench/lib/dns-gen.c) sends at fixed rates for --seconds each. The real
 * `podmap sniffer` runs as its image runs it: bundled (scripts/bundle-sniffer.mjs), plain node, with
 * the image's node flags (its ENTRYPOINT) and MALLOC_ARENA_MAX read from Dockerfile.sniffer
 * (--node-flag=... or --no-image-runtime to change that; --tsx runs the sources through tsx),
 * reporting to a stand-in mapper over an uplink, in a PID namespace of its own (--mount-proc): its
 * /proc scans read the node namespace only, not every namespace of this shared machine, whose count
 * (other jobs' testbeds) changed the scan's cost from minute to minute; bench:scan measures scans.
 * Per row: responses decoded (its /metrics) against
 * those the mix says carry addresses, libpcap drops, CPU % of one core (/proc/<pid>/stat), RSS;
 * tcpdump's counts and CPU on the old sniffer's filter.
 *
 * --baseline=REV also runs the sniffer of git revision REV first (its sources, this tree's
 * node_modules), then this tree's, in the same run: before and after. --filter-variants=none/answers
 * runs this tree's sniffer once more per value of --pcap-kernel-filter (each candidate on its own).
 * Needs root.
 * Options: --rates 5000,20000,... --mixes realistic,simple --seconds 5 --settle=5 --baseline=REV
 *          --filter-variants=none/answers/direction
 *          --sniffer-arg=--pcap-link-type=sll2 (repeatable; --baseline-arg=... for the baseline)
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireRoot } from '../test/sniffer/capture/netns.js'
import { createUplink } from '../test/e2e/uplink.js'
import { cpuWindow, rssMiB } from './lib/proc-usage.js'
import { parsePromText } from './lib/prom-text.js'
import { startMapperSink, type MapperSink } from './lib/mapper-sink.js'
import { buildSnifferBundle, buildSnifferBundleAt, snifferRuntime } from './lib/built-podmap.js'
import { createDnsLab, type DnsLab } from './lib/dns-lab.js'
import { describe, dnsMix, type Mix, type MixName } from './lib/dns-mix.js'
import { measureRow, type Row } from './lib/dns-row.js'
import { kernelFilterLength } from './lib/kernel-filter.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i < 0) return fallback
  const a = args[i]!
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[i + 1] ?? fallback)
}
const many = (prefix: string): string[] => args.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length))
// 5k and 20k twice: the budget is about steady state; both rows are printed, the summary takes the last.
const rates = flag('rates', '5000,5000,20000,20000,100000').split(',').map(Number)
const mixes = flag('mixes', 'realistic,simple').split(',') as MixName[]
const seconds = Math.min(Number(flag('seconds', '5')), 30)
const baselineRev = flag('baseline', '')
const { nodeFlags, env: snifferEnv } = snifferRuntime(args)
const BIN = fileURLToPath(new URL('../bin/podmap.js', import.meta.url))
const GEN_SRC = fileURLToPath(new URL('./lib/dns-gen.c', import.meta.url))

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Variant { name: string, argv: string[], extra: string[] }

async function main (): Promise<void> {
  requireRoot()
  const dir = mkdtempSync(join(tmpdir(), 'podmap-bench-dns-'))
  const genBin = join(dir, 'dns-gen')
  execFileSync('cc', ['-O2', '-o', genBin, GEN_SRC])
  const files = new Map<string, string>()
  const mixList = mixes.map((m) => dnsMix(m))
  for (const mix of mixList) {
    const file = join(dir, `${mix.name}.hex`)
    writeFileSync(file, mix.templates.map((t) => t.hex).join('\n') + '\n')
    files.set(mix.name, file)
    console.log(`mix ${describe(mix)}`)
  }
  const token = 'bench-token'
  writeFileSync(join(dir, 'token'), token + '\n', { mode: 0o600 })

  const variants: Variant[] = []
  if (baselineRev !== '') {
    const built = buildSnifferBundleAt(baselineRev)
    variants.push({ name: `before (${built.commit})`, argv: built.argv, extra: many('--baseline-arg=') })
  }
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  const after = `after (${head}${execFileSync('git', ['status', '--porcelain', 'sniffer', 'src', 'patches'], { encoding: 'utf8' }).trim() !== '' ? '+changes' : ''})`
  const argv = args.includes('--tsx') ? [process.execPath, BIN] : buildSnifferBundle()
  for (const value of flag('filter-variants', '').split('/').filter((v) => v !== '')) {
    variants.push({ name: `${after} --pcap-kernel-filter=${value}`, argv, extra: [...many('--sniffer-arg='), `--pcap-kernel-filter=${value}`] })
  }
  variants.push({ name: after, argv, extra: many('--sniffer-arg=') })

  const dnsLab = createDnsLab()
  let sink: MapperSink | undefined
  const results: Array<{ variant: string, idleCpuPercent: number, idleRssMiB: number, kernelFilterInstructions: number | null, rows: Row[] }> = []
  try {
    const uplink = await createUplink(dnsLab.nodeNs, 53, `bd${process.pid.toString(36)}`)
    sink = await startMapperSink(uplink.rootIp, token)
    for (const variant of variants) {
      console.log(`\n== ${variant.name}: node ${process.version}, flags ${nodeFlags.join(' ') || '(none)'}, sniffer args ${variant.extra.join(' ') || '(defaults)'}`)
      const run = await runVariant(variant, dnsLab, sink.url, uplink.nodeIp, dir, genBin, files, mixList)
      results.push({ variant: variant.name, ...run })
    }
    const summary = {
      bench: 'dns',
      device: 'any',
      node: process.version,
      seconds,
      nodeFlags,
      runtime: args.includes('--tsx') ? 'tsx' : 'bundle',
      loadAverage: execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim(),
      results: results.map((r) => ({ ...r, summary: summarise(r.rows, r.idleCpuPercent) }))
    }
    console.log('\nsummary (cpu % of a core; per 1k/s = (cpu - idle) per 1,000 responses/s at the highest rate):')
    for (const r of summary.results) {
      for (const [mix, s] of Object.entries(r.summary)) console.log(`${r.variant.padEnd(24)} ${mix.padEnd(10)} ${JSON.stringify(s)}`)
    }
    console.log(JSON.stringify(summary))
  } finally {
    await sink?.close()
    dnsLab.lab.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runVariant (variant: Variant, dnsLab: DnsLab, mapperUrl: string, metricsHost: string, dir: string, genBin: string, files: Map<string, string>, mixList: Mix[]) {
  const { lab } = dnsLab
  const sniffer: ChildProcess = lab.spawnIn('node', ['unshare', '--pid', '--fork', '--kill-child=SIGTERM', '--mount-proc', 'env', ...Object.entries(snifferEnv).map(([k, v]) => `${k}=${v}`), variant.argv[0]!, ...nodeFlags, ...variant.argv.slice(1), 'sniffer',
    '--mapper-url', mapperUrl, '--token-file', join(dir, 'token'), '--metrics-host', metricsHost, '--metrics-port', '9476',
    '--node-name', 'bench', '--log-level', 'warn', ...variant.extra])
  let snifferPid: number | undefined
  let snifferLog = ''
  sniffer.stderr?.on('data', (d: Buffer) => { snifferLog = (snifferLog + d.toString()).slice(-4000) })
  sniffer.stdout?.on('data', (d: Buffer) => { snifferLog = (snifferLog + d.toString()).slice(-4000) })
  try {
    const scrape = async (): Promise<Map<string, number>> => parsePromText(await (await fetch(`http://${metricsHost}:9476/metrics`)).text())
    for (let i = 0; ; i++) {
      try { await scrape(); break } catch {
        if (i > 150 || sniffer.exitCode !== null) throw new Error(`sniffer did not start: ${snifferLog}`)
        await sleep(200)
      }
    }
    // unshare's one child (env, which execs node) is the sniffer.
    const pid = Number(readFileSync(`/proc/${sniffer.pid!}/task/${sniffer.pid!}/children`, 'utf8').trim().split(' ')[0])
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('cannot find the sniffer under unshare')
    snifferPid = pid
    const kernelFilterInstructions = kernelFilterLength(lab, pid)
    console.log(`kernel filter on the sniffer's socket: ${kernelFilterInstructions ?? 'none'} instructions`)
    const ctx = { dnsLab, genBin, templatesFile: (m: Mix) => files.get(m.name)!, seconds, snifferPid: pid, scrape, idleCpuPercent: 0 }
    // Warm up each mix (JIT: the first seconds of traffic run unoptimised code), then let the process settle.
    dnsLab.warmPaths()
    for (const mix of mixList) await measureRow({ ...ctx, seconds: 5 }, mix, 5000)
    await sleep(Number(flag('settle', '5')) * 1000)
    const idleRssMiB = Math.round(rssMiB(pid) * 10) / 10
    // CPU with no traffic: the /proc scans, reports and timers every rate below also pays.
    const idleWindow = cpuWindow(pid)
    await sleep(seconds * 1000)
    ctx.idleCpuPercent = Math.round(idleWindow.stop().cpuPercent * 10) / 10
    console.log(`idle (no traffic): cpu ${ctx.idleCpuPercent}% of a core, rss ${idleRssMiB} MiB`)
    const rows: Row[] = []
    for (const mix of mixList) {
      dnsLab.warmPaths()
      for (const rate of rates) {
        const row = await measureRow(ctx, mix, rate)
        rows.push(row)
        console.log(`${mix.name} ${rate}/s (sent ${row.sentRate}/s, ${row.sent}, ${row.sentTcp} over TCP): decoded ${row.decoded}/${row.expectedDecoded}, ` +
          `packets ${row.packets} (dup ${row.duplicates}, skipped ${row.skipped}, errors ${row.decodeErrors}), pcap drops ${row.pcapDropped}, ` +
          `cpu ${row.cpuPercent}% (${row.cpuPer1kPerSecond}/1k/s, ${row.wakeupsPerSecond} wake-ups/s), rss ${row.rssMiB} MiB (anon ${row.rssAnonMiB}, file ${row.rssFileMiB}) | ` +
          `tcpdump ${row.tcpdumpCaptured} captured, ${row.tcpdumpDropped} dropped, cpu ${row.tcpdumpCpuPercent}%`)
      }
    }
    return { idleCpuPercent: ctx.idleCpuPercent, idleRssMiB, kernelFilterInstructions, rows }
  } finally {
    // The sniffer itself (unshare waits for it), then until it is gone: the next variant listens on the same port.
    if (snifferPid !== undefined) {
      try { process.kill(snifferPid, 'SIGTERM') } catch { /* gone */ }
      for (let i = 0; i < 100 && existsSync(`/proc/${snifferPid}`); i++) await sleep(100)
    }
    if (sniffer.exitCode === null) {
      sniffer.kill('SIGTERM') // unshare's --kill-child passes it on
      await Promise.race([new Promise((resolve) => sniffer.once('exit', resolve)), sleep(5000)])
    }
  }
}

function summarise (rows: Row[], idle: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const mix of new Set(rows.map((r) => r.mix as string))) {
    const mine = rows.filter((r) => r.mix === mix)
    const at = (rate: number): number | null => (mine.filter((r) => r.targetRate === rate).at(-1)?.cpuPercent as number | undefined) ?? null
    const top = mine.reduce((a, b) => ((b.sentRate as number) > (a.sentRate as number) ? b : a))
    const best = (key: string): number => Math.max(0, ...mine.filter((r) => r[key] === true).map((r) => r.sentRate as number))
    out[mix] = {
      cpuAt5k: at(5000),
      cpuAt20k: at(20000),
      cpuAt100k: at(100000),
      idle,
      cpuPer1kPerSecond: top.cpuPer1kPerSecond,
      allLossless: mine.every((r) => r.lossless === true),
      highestLosslessRate: best('lossless'),
      tcpdumpHighestLosslessRate: best('tcpdumpLossless'),
      tcpdumpCpuAtTop: top.tcpdumpCpuPercent,
      maxRssMiB: Math.max(...mine.map((r) => r.rssMiB as number))
    }
  }
  return out
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
