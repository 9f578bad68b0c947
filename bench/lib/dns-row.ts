/**
 * One measured row of bench:dns: tcpdump starts on the same device, dns-gen sends `rate` responses
 * a second for the bench's seconds (with dns-gen's sink reading the TCP share in the client
 * namespace), the sniffer's and tcpdump's CPU are sampled over the send, then the sniffer's
 * counters are read once libpcap's timeout has handed over the last block.
 */
import type { ChildProcess } from 'node:child_process'
import { cpuWindow, rssBreakdownMiB, rssMiB, voluntarySwitches } from './proc-usage.js'
import { expected, type Mix } from './dns-mix.js'
import type { DnsLab } from './dns-lab.js'

export interface RowContext {
  dnsLab: DnsLab
  genBin: string
  templatesFile: (mix: Mix) => string
  seconds: number
  snifferPid: number
  scrape: () => Promise<Map<string, number>>
  /** The sniffer's CPU % with no traffic, subtracted for the per-1,000-responses figure. */
  idleCpuPercent: number
}

export type Row = Record<string, number | boolean | string>

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const round1 = (x: number): number => Math.round(x * 10) / 10

/** The old sniffer's filter: every packet from port 53 (what tcpdump is compared on). */
const TCPDUMP_FILTER = 'src port 53 and (udp or tcp)'

export async function measureRow (ctx: RowContext, mix: Mix, rate: number): Promise<Row> {
  const { lab } = ctx.dnsLab
  const count = Math.round(rate * ctx.seconds)
  const tcpdump = lab.spawnIn('node', ['tcpdump', '-i', 'any', '-n', '-B', '32768', '-s', '4096', '-w', '/dev/null', TCPDUMP_FILTER])
  let tcpdumpErr = ''
  tcpdump.stderr?.on('data', (d: Buffer) => { tcpdumpErr += d.toString() })
  for (let i = 0; i < 50 && !tcpdumpErr.includes('listening on'); i++) await sleep(100)
  const before = await ctx.scrape()
  const sniffer = cpuWindow(ctx.snifferPid)
  const dump = cpuWindow(tcpdump.pid!)
  const switches = voluntarySwitches(ctx.snifferPid)
  const sent = await send(ctx, mix, rate, count)
  const { cpuPercent, seconds } = sniffer.stop()
  const wakeups = (voluntarySwitches(ctx.snifferPid) - switches) / seconds
  const tcpdumpCpu = dump.stop().cpuPercent
  await sleep(1500) // libpcap's timeout and the event loop drain what is left
  const after = await ctx.scrape()
  const rss = rssMiB(ctx.snifferPid)
  const parts = rssBreakdownMiB(ctx.snifferPid)
  await stopTcpdump(tcpdump)
  const tcpdumpCaptured = Number(/(\d+) packets? captured/.exec(tcpdumpErr)?.[1] ?? NaN)
  const tcpdumpDropped = Number(/(\d+) packets? dropped by kernel/.exec(tcpdumpErr)?.[1] ?? NaN)
  const d = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0)
  const want = expected(mix, sent.sent)
  const decoded = d('podmap_sniffer_dns_responses_total')
  const pcapDropped = d('podmap_sniffer_pcap_dropped_total')
  // On `any` the realistic path shows each packet twice; the simple one once.
  const copies = mix.name === 'realistic' ? 2 : 1
  return {
    mix: mix.name,
    targetRate: rate,
    sentRate: Math.round(sent.rate),
    sent: sent.sent,
    sentTcp: sent.tcp,
    expectedDecoded: want.mapped,
    decoded,
    packets: d('podmap_sniffer_packets_total'),
    duplicates: d('podmap_sniffer_duplicate_packets_total'),
    skipped: d('podmap_sniffer_dns_skipped_total'),
    decodeErrors: d('podmap_sniffer_decode_errors_total'),
    pcapDropped,
    lossless: decoded === want.mapped && pcapDropped === 0,
    cpuPercent: round1(cpuPercent),
    wakeupsPerSecond: Math.round(wakeups),
    cpuPer1kPerSecond: Math.round(1000 * Math.max(0, cpuPercent - ctx.idleCpuPercent) / (sent.rate / 1000)) / 1000,
    rssMiB: round1(rss),
    rssAnonMiB: round1(parts.anon),
    rssFileMiB: round1(parts.file),
    tcpdumpCaptured,
    tcpdumpDropped,
    tcpdumpCpuPercent: round1(tcpdumpCpu),
    tcpdumpLossless: tcpdumpDropped === 0 && tcpdumpCaptured >= copies * want.udp
  }
}

interface Sent { sent: number, udp: number, tcp: number, seconds: number, rate: number }

async function send (ctx: RowContext, mix: Mix, rate: number, count: number): Promise<Sent> {
  const { lab, simple, realistic } = ctx.dnsLab
  const limit = String(ctx.seconds * 3)
  const path = mix.name === 'simple' ? simple : realistic
  const dst = mix.name === 'simple' ? simple.dst : `${realistic.dst}+${realistic.clients}`
  const tcpArgs = mix.tcpEvery > 0 ? [String(mix.tcpEvery), '4'] : []
  const gen = lab.spawnIn(mix.name === 'simple' ? 'gen' : 'dns', [ctx.genBin, path.src, dst, String(rate), String(count), limit, ctx.templatesFile(mix), ...tcpArgs])
  let out = ''
  let err = ''
  gen.stdout?.on('data', (c: Buffer) => { out += c.toString() })
  gen.stderr?.on('data', (c: Buffer) => { err += c.toString() })
  let sink: ChildProcess | undefined
  if (mix.tcpEvery > 0) {
    for (let i = 0; i < 100 && !err.includes('listening'); i++) await sleep(50)
    sink = lab.spawnIn('client', [ctx.genBin, '--sink', realistic.src, '4', limit])
  }
  const code = await new Promise<number | null>((resolve) => gen.once('exit', resolve))
  if (sink !== undefined && sink.exitCode === null) await new Promise((resolve) => sink.once('exit', resolve))
  if (code !== 0) throw new Error(`dns-gen exited ${code}: ${err}`)
  return JSON.parse(out) as Sent
}

async function stopTcpdump (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGINT')
  await Promise.race([exited, sleep(5000)])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
