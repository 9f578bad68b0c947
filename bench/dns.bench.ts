/**
 * `npm run bench:dns`: how many DNS responses a second the real sniffer captures without loss, at
 * what CPU and memory, against tcpdump on the same stream in the same run.
 *
 * Two namespaces of its own: gen --veth-- node. A C generator (bench/lib/dns-gen.c, sendmmsg) in
 * gen sends prebuilt DNS responses (unique id/port per packet) from port 53 through the veth at a
 * fixed rate, bounded in count and time; node does not forward, so they end there. In node: the
 * real `podmap sniffer` on its default device (any) reporting to a stand-in mapper over an uplink,
 * and tcpdump with the same kind of filter and buffer. Per rate: responses decoded by the sniffer
 * (its /metrics), libpcap drops, CPU % of one core (/proc/<pid>/stat), RSS; tcpdump's own counts.
 * The sniffer runs as its image runs it: bundled (scripts/bundle-sniffer.mjs), plain node, with the image's
 * node flags (its ENTRYPOINT) and MALLOC_ARENA_MAX read from Dockerfile.sniffer (--node-flag=... or --no-image-runtime to
 * change that); --tsx runs the sources through tsx.
 * Needs root. Options: --rates 5000,20000,... --seconds 5 --settle=5 --sniffer-arg=--pcap-link-type=sll2 --tsx
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'
import { createLab, requireRoot } from '../test/sniffer/capture/netns.js'
import { createUplink } from '../test/e2e/uplink.js'
import { cpuWindow, rssBreakdownMiB, rssMiB } from './lib/proc-usage.js'
import { parsePromText } from './lib/prom-text.js'
import { startMapperSink } from './lib/mapper-sink.js'
import { buildSnifferBundle, snifferRuntime } from './lib/built-podmap.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i < 0) return fallback
  const a = args[i]!
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[i + 1] ?? fallback)
}
// 5k and 20k twice: the CPU budget is about steady state; both rows are printed, the summary takes the last.
const rates = flag('rates', '5000,5000,20000,20000,50000,100000,150000').split(',').map(Number)
const seconds = Math.min(Number(flag('seconds', '5')), 30)
const snifferExtra = args.filter((a) => a.startsWith('--sniffer-arg=')).map((a) => a.slice('--sniffer-arg='.length))
// As the sniffer image runs it (its ENTRYPOINT's node flags, MALLOC_ARENA_MAX) unless --node-flag=... or --no-image-runtime.
const { nodeFlags, env: snifferEnv } = snifferRuntime(args)
const BIN = fileURLToPath(new URL('../bin/podmap.js', import.meta.url))
const GEN_SRC = fileURLToPath(new URL('./lib/dns-gen.c', import.meta.url))

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function templates (): string {
  const lines: string[] = []
  for (let i = 0; i < 256; i++) {
    const name = `svc-${i}.bench.svc.cluster.local`
    lines.push(dnsPacket.encode({
      type: 'response',
      id: 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [{ type: 'A', name }],
      answers: [{ type: 'A', name, ttl: 30, data: `10.96.${i >> 4}.${(i & 15) + 1}` }]
    }).toString('hex'))
  }
  return lines.join('\n') + '\n'
}

async function main (): Promise<void> {
  requireRoot()
  const dir = mkdtempSync(join(tmpdir(), 'podmap-bench-dns-'))
  const genBin = join(dir, 'dns-gen')
  execFileSync('cc', ['-O2', '-o', genBin, GEN_SRC])
  writeFileSync(join(dir, 'templates.hex'), templates())
  const token = 'bench-token'
  writeFileSync(join(dir, 'token'), token + '\n', { mode: 0o600 })

  const lab = createLab('bd')
  let sniffer: ChildProcess | undefined
  let sink: Awaited<ReturnType<typeof startMapperSink>> | undefined
  try {
    lab.addNamespace('gen')
    const nodeNs = lab.addNamespace('node')
    const tag = process.pid.toString(36)
    lab.link({ ns: 'gen', ifname: `bg${tag}`, addrs: ['10.253.77.1/30'] }, { ns: 'node', ifname: `bn${tag}`, addrs: ['10.253.77.2/30'] })
    lab.exec('gen', ['ip', 'route', 'add', '10.253.78.0/24', 'via', '10.253.77.2'])
    lab.exec('node', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=0'])
    lab.ping('gen', '10.253.77.2')
    const uplink = await createUplink(nodeNs, 53, `bd${tag}`)
    sink = await startMapperSink(uplink.rootIp, token)

    const podmap = args.includes('--tsx') ? [process.execPath, BIN] : buildSnifferBundle()
    sniffer = lab.spawnIn('node', ['env', ...Object.entries(snifferEnv).map(([k, v]) => `${k}=${v}`), podmap[0]!, ...nodeFlags, ...podmap.slice(1), 'sniffer', '--mapper-url', sink.url,
      '--token-file', join(dir, 'token'), '--metrics-host', uplink.nodeIp, '--metrics-port', '9476',
      '--node-name', 'bench', '--log-level', 'warn', ...snifferExtra])
    let snifferLog = ''
    sniffer.stderr?.on('data', (d: Buffer) => { snifferLog = (snifferLog + d.toString()).slice(-4000) })
    sniffer.stdout?.on('data', (d: Buffer) => { snifferLog = (snifferLog + d.toString()).slice(-4000) })
    const metricsUrl = `http://${uplink.nodeIp}:9476/metrics`
    const scrape = async (): Promise<Map<string, number>> => parsePromText(await (await fetch(metricsUrl)).text())
    for (let i = 0; ; i++) {
      try { await scrape(); break } catch {
        if (i > 150 || sniffer.exitCode !== null) throw new Error(`sniffer did not start: ${snifferLog}`)
        await sleep(200)
      }
    }
    const pid = sniffer.pid!
    const gen = (rate: number, count: number): { sent: number, seconds: number, rate: number } =>
      JSON.parse(lab.exec('gen', [genBin, '10.253.77.1', '10.253.78.9', String(rate), String(count), String(seconds * 3), join(dir, 'templates.hex')]))

    // Warm up (JIT: the first seconds of traffic run unoptimised code), then let the process settle.
    gen(5000, 25000)
    await sleep(Number(flag('settle', '5')) * 1000)
    const idleRss = rssMiB(pid)
    // CPU with no traffic: the /proc scans, reports and timers every rate below also pays.
    const idleWindow = cpuWindow(pid)
    await sleep(seconds * 1000)
    const idleCpuPercent = Math.round(idleWindow.stop().cpuPercent * 10) / 10
    console.log(`idle (no traffic): cpu ${idleCpuPercent}% of a core, rss ${idleRss.toFixed(1)} MiB`)

    const rows: Array<Record<string, number | boolean>> = []
    for (const rate of rates) {
      const count = Math.round(rate * seconds)
      const tcpdump = lab.spawnIn('node', ['tcpdump', '-i', 'any', '-n', '-B', '32768', '-s', '4096', '-w', '/dev/null', 'src port 53 and (udp or tcp)'])
      let tcpdumpErr = ''
      tcpdump.stderr?.on('data', (d: Buffer) => { tcpdumpErr += d.toString() })
      for (let i = 0; i < 50 && !tcpdumpErr.includes('listening on'); i++) await sleep(100)
      const before = await scrape()
      const window = cpuWindow(pid)
      const sent = gen(rate, count)
      const { cpuPercent } = window.stop()
      await sleep(1500) // libpcap's 100 ms timeout and the event loop drain what is left
      const after = await scrape()
      const rss = rssMiB(pid)
      const parts = rssBreakdownMiB(pid)
      await stopTcpdump(tcpdump)
      const tcpdumpCaptured = Number(/(\d+) packets? captured/.exec(tcpdumpErr)?.[1] ?? NaN)
      const tcpdumpDropped = Number(/(\d+) packets? dropped by kernel/.exec(tcpdumpErr)?.[1] ?? NaN)
      const d = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
      const decoded = d('podmap_sniffer_dns_responses_total')
      const row = {
        targetRate: rate,
        sentRate: Math.round(sent.rate),
        sent: sent.sent,
        decoded,
        packets: d('podmap_sniffer_packets_total'),
        pcapDropped: d('podmap_sniffer_pcap_dropped_total'),
        lossless: decoded === sent.sent && d('podmap_sniffer_pcap_dropped_total') === 0,
        cpuPercent: Math.round(cpuPercent * 10) / 10,
        rssMiB: Math.round(rss * 10) / 10,
        rssAnonMiB: Math.round(parts.anon * 10) / 10,
        rssFileMiB: Math.round(parts.file * 10) / 10,
        rssShmemMiB: Math.round(parts.shmem * 10) / 10,
        tcpdumpCaptured,
        tcpdumpDropped,
        tcpdumpLossless: tcpdumpCaptured === sent.sent && tcpdumpDropped === 0
      }
      rows.push(row)
      console.log(`rate ${rate}/s (sent ${row.sentRate}/s, ${row.sent}): sniffer decoded ${decoded} (${(100 * decoded / sent.sent).toFixed(3)}%), pcap drops ${row.pcapDropped}, ` +
        `cpu ${row.cpuPercent}% of a core, rss ${row.rssMiB} MiB (anon ${row.rssAnonMiB}, file ${row.rssFileMiB}, shmem ${row.rssShmemMiB}) | tcpdump captured ${tcpdumpCaptured}, dropped ${tcpdumpDropped}`)
    }
    const highest = (key: 'lossless' | 'tcpdumpLossless'): number => {
      let best = 0
      for (const r of rows) { if (r[key] === true) best = Math.max(best, r.sentRate as number) }
      return best
    }
    const at = (rate: number): number | undefined => rows.filter((r) => r.targetRate === rate).at(-1)?.cpuPercent as number | undefined
    const summary = {
      bench: 'dns',
      device: 'any',
      seconds,
      highestLosslessRate: highest('lossless'),
      tcpdumpHighestLosslessRate: highest('tcpdumpLossless'),
      ratioToTcpdump: highest('tcpdumpLossless') > 0 ? Math.round(1000 * highest('lossless') / highest('tcpdumpLossless')) / 1000 : null,
      cpuPercentAt5k: at(5000) ?? null,
      cpuPercentAt20k: at(20000) ?? null,
      idleCpuPercent,
      idleRssMiB: Math.round(idleRss * 10) / 10,
      maxRssMiB: Math.max(...rows.map((r) => r.rssMiB as number)),
      sinkReports: sink.reports,
      snifferArgs: snifferExtra,
      nodeFlags,
      runtime: args.includes('--tsx') ? 'tsx' : 'bundle',
      rows
    }
    console.log(`highest lossless rate ${summary.highestLosslessRate}/s (tcpdump ${summary.tcpdumpHighestLosslessRate}/s, ratio ${summary.ratioToTcpdump}); ` +
      `cpu ${summary.cpuPercentAt5k}% at 5k/s, ${summary.cpuPercentAt20k}% at 20k/s; rss idle ${summary.idleRssMiB} MiB, max ${summary.maxRssMiB} MiB`)
    console.log(JSON.stringify(summary))
  } finally {
    if (sniffer?.pid !== undefined && sniffer.exitCode === null) {
      sniffer.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => sniffer!.once('exit', resolve)), sleep(5000)])
    }
    await sink?.close()
    lab.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function stopTcpdump (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGINT')
  await Promise.race([exited, sleep(5000)])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
